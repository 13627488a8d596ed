/* Small DOM helpers. Nothing given to them is ever parsed as HTML: text becomes text
 * nodes or textContent. */

/* The element with this id. */
export const $ = (id) => document.getElementById(id);

/* el("span", {className: "x", title: "..."}, "text", child...): text children become
   text nodes and `text` sets textContent. An attribute that is null, undefined or false
   is left out; true sets it empty. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([name, value]) => {
    if (value === null || value === undefined || value === false) return;
    if (name === "className") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  });
  append(node, children);
  return node;
}

/* Replace node's children by these (nodes or strings, placed as text). */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

function append(node, children) {
  children.forEach((child) => {
    if (child === null || child === undefined || child === false) return;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  });
}

/* fn called once, ms after the last of a burst of calls, with that call's arguments. */
export function debounce(fn, ms) {
  let timer = null;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
