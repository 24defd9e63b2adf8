// Sedation follows the chosen procedure's catalog default until the scheduler changes it.
// Without JavaScript the server does the same on the next search (the `sedation_for` field).
document.addEventListener("change", (event) => {
  const select = event.target;
  if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-sedation-default")) {
    return;
  }
  const form = select.form;
  const option = select.selectedOptions[0];
  if (!form || !option || !option.dataset.sedation) {
    return;
  }
  const box = form.querySelector("input[name='sedation']");
  const marker = form.querySelector("input[name='sedation_for']");
  if (box instanceof HTMLInputElement && marker instanceof HTMLInputElement) {
    box.checked = option.dataset.sedation === "true";
    marker.value = option.value;
  }
});
