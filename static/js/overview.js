// The listing's map and charts start folded on a phone, so the results come first; without
// JavaScript they stay open (the <details> is open in the HTML).
if (window.matchMedia("(max-width: 40rem)").matches) {
  for (const details of document.querySelectorAll("details[data-collapse-narrow]")) details.open = false;
}
