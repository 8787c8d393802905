// The export form's "select all" checkbox, bound here rather than by an inline onchange attribute,
// which the Content Security Policy refuses. onSelectToggleChange is django-import-export's.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input.select-toggle").forEach((toggle) => {
    toggle.addEventListener("change", onSelectToggleChange);
  });
});
