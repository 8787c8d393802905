/* The admin's autocomplete widgets (select2) and tabular inline fields named for assistive technology.
 *
 * select2 hides the real <select> and draws its own combobox and search box, which take no name from
 * the field's <label> (axe-core: label, aria-input-field-name); each gets the select's name here: its
 * aria-label (inline fields get one from the server, agreements/forms.py) or the text of its <label>.
 * The clear button select2 draws inside its <ul> of choices made that list invalid (axe-core: list);
 * the <ul> is given role="list", which keeps its <li> choices a list. Run after select2 has drawn:
 * after load (autocomplete.js starts on DOM ready) and when an inline row is added. */
"use strict";
(function () {
  function nameOf(select) {
    const own = select.getAttribute("aria-label");
    if (own) return own;
    const label = select.id && document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }

  function nameWidgets(root) {
    for (const select of root.querySelectorAll("select.admin-autocomplete")) {
      const drawn = select.parentElement && select.parentElement.querySelector(".select2-container");
      const name = nameOf(select);
      if (!drawn || !name) continue;
      // The combobox, its search box, and the box showing the choice (role="textbox", empty when none).
      const parts = ".select2-selection, .select2-search__field, span.select2-selection__rendered";
      for (const part of drawn.querySelectorAll(parts)) {
        part.setAttribute("aria-label", name);
      }
      for (const list of drawn.querySelectorAll("ul.select2-selection__rendered")) {
        list.setAttribute("role", "list");
      }
    }
  }

  // autocomplete.js draws on jQuery's ready, whose handlers jQuery 3 runs from a timer set at
  // DOMContentLoaded: a timer set at load runs after them.
  window.addEventListener("load", function () {
    setTimeout(function () { nameWidgets(document); }, 0);
    // The changelist's search box: Django's label is an image with the English alt text «Search»;
    // its own button («Найти») names it in the admin's language.
    const search = document.getElementById("searchbar");
    const button = search && search.form.querySelector('input[type="submit"]');
    if (button && !search.getAttribute("aria-label")) search.setAttribute("aria-label", button.value);
  });
  // select2 redraws its search box when the choices change: name it again.
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select.admin-autocomplete")) {
      setTimeout(function () { nameWidgets(event.target.parentElement); }, 0);
    }
  });
  document.addEventListener("formset:added", function (event) {
    setTimeout(function () { nameWidgets(event.target); }, 0);  // after autocomplete.js's own handler
  });
})();
