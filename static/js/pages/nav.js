/* The staff menu (base.html): the button that opens it on a phone, and the administration
 * list that drops down from it; a click elsewhere or Escape folds the list. */
function toggler(button, box) {
  const set = (open) => {
    box.classList.toggle("is-open", open);
    button.setAttribute("aria-expanded", String(open));
  };
  button.addEventListener("click", () => set(!box.classList.contains("is-open")));
  return set;
}

const menuButton = document.getElementById("menu-button");
const menu = document.getElementById("menu");
if (menuButton && menu) toggler(menuButton, menu);

const adminButton = document.getElementById("admin-button");
const adminMenu = document.getElementById("admin-menu");
if (adminButton && adminMenu) {
  const set = toggler(adminButton, adminMenu);
  document.addEventListener("click", (event) => {
    if (!adminButton.parentElement.contains(event.target)) set(false);
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") set(false); });
}
