// The station's small helpers. The worklist's refresh needs none: htmx polls (hx-trigger).
//
// Words and buttons that only work with JavaScript are hidden in the HTML (`data-scripted`
// with `hidden`) and shown here, so a page without JavaScript never offers them. The day
// sheet's Print button opens the browser's own print dialog.
document.addEventListener("DOMContentLoaded", () => {
  for (const element of document.querySelectorAll("[data-scripted]")) {
    element.hidden = false;
  }
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
