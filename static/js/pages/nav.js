/* The staff menu's button on a phone (base.html): opens and folds the menu. */
const button = document.getElementById("menu-button");
const menu = document.getElementById("menu");
if (button && menu) {
  button.addEventListener("click", () => {
    const open = menu.classList.toggle("is-open");
    button.setAttribute("aria-expanded", String(open));
  });
}
