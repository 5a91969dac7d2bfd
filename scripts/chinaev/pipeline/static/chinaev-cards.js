/* Source cards: Escape hides the card of the number in focus or under the pointer
   (WCAG 1.4.13: dismissable without moving focus or pointer). Focus stays on the
   number; the card shows again when the number is focused or hovered anew. Shipped
   with the book, no network. */
(function () {
  "use strict";
  var HIDDEN = "chinaev-num--dismissed";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") return;
    var shown = document.querySelectorAll(".chinaev-num:focus, .chinaev-num:hover");
    for (var i = 0; i < shown.length; i++) shown[i].classList.add(HIDDEN);
  });
  function showAgain(event) {
    var target = event.target;
    if (target && target.classList && target.classList.contains("chinaev-num")) {
      target.classList.remove(HIDDEN);
    }
  }
  document.addEventListener("focusin", showAgain);
  // mouseenter does not bubble; a listener in the capture phase still sees it.
  document.addEventListener("mouseenter", showAgain, true);
})();
