/* Ask before a form marked data-confirm="question" is sent (disabling an account, revoking
 * a token, resetting a password): a modal <dialog> (admin/_confirm.html) with the question
 * as text; only 确定 (OK) sends the form. */
const dialog = document.getElementById("confirm-dialog");
let pending = null;

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.dataset.confirm || form.dataset.confirmed === "yes") return;
  event.preventDefault();
  pending = form;
  document.getElementById("confirm-question").textContent = form.dataset.confirm;
  dialog.returnValue = "";
  dialog.showModal();
});

dialog.addEventListener("close", () => {
  const form = pending;
  pending = null;
  if (!form || dialog.returnValue !== "ok") return;
  form.dataset.confirmed = "yes";
  form.requestSubmit();
});
