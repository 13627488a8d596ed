/* gridmap's pages share these small DOM helpers (window.gridmap); load this first. */
(function () {
  "use strict";

  /* el("span", {className: "x", title: "..."}, "text", child...): text children become
     text nodes and `text` sets textContent, so nothing given here is ever parsed as HTML.
     An attribute that is null, undefined or false is left out; true sets it empty. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (name === "className") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    children.forEach((child) => {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  /* fmt("{n} 个网格", {n: 3}): named placeholders; an unknown one is left as it is. */
  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, key) =>
      (Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole));
  }

  /* fn called once, ms after the last of a burst of calls, with that call's arguments. */
  function debounce(fn, ms) {
    let timer = null;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  window.gridmap = {$: (id) => document.getElementById(id), el, fmt, debounce};
})();
