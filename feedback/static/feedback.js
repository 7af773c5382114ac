/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Filing: when the unit changes, load its procedures from the public API.
  document.querySelectorAll("form[data-procedures-url]").forEach(function (form) {
    var unit = form.querySelector("select[name=unit]");
    var procedure = form.querySelector("select[name=procedure]");
    if (!unit || !procedure) { return; }
    var blank = procedure.options.length ? procedure.options[0].text : "";
    unit.addEventListener("change", function () {
      procedure.length = 0;
      procedure.add(new Option(blank, ""));
      if (!unit.value) { return; }
      var url = form.getAttribute("data-procedures-url") + "?limit=200&unit=" + encodeURIComponent(unit.value);
      fetch(url, { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (page) {
          page.items.forEach(function (p) { procedure.add(new Option(p.name, p.code)); });
        })
        .catch(function () { /* the no-JS button still works */ });
    });
  });

  // Kiosk: an on-screen keypad of the characters a tracking code can hold.
  document.querySelectorAll(".keypad[data-target]").forEach(function (pad) {
    var input = document.getElementById(pad.getAttribute("data-target"));
    if (!input) { return; }
    pad.removeAttribute("aria-hidden");
    "0123456789ABCDEFGHJKMNPQRSTVWXYZ-".split("").concat(["⌫"]).forEach(function (key) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = key;
      button.addEventListener("click", function () {
        input.value = key === "⌫" ? input.value.slice(0, -1) : input.value + key;
        input.focus();
      });
      pad.appendChild(button);
    });
  });

  // Kiosk: after a while without a touch the screen starts again for the next person, with a
  // warning first that any touch dismisses (no silent refresh: WCAG 2.2.1).
  var reset = document.body.getAttribute("data-idle-reset");
  var warning = document.getElementById("idle-warning");
  if (reset && warning) {
    var idleMs = 90 * 1000, warningSeconds = 20;
    var seconds = document.getElementById("idle-seconds");
    var keep = document.getElementById("idle-continue");
    var timer = null, countdown = null;
    var arm = function () {
      clearTimeout(timer);
      clearInterval(countdown);
      warning.hidden = true;
      timer = setTimeout(warn, idleMs);
    };
    var warn = function () {
      var left = warningSeconds;
      seconds.textContent = left;
      warning.hidden = false;
      keep.focus();
      countdown = setInterval(function () {
        left -= 1;
        seconds.textContent = left;
        if (left <= 0) {
          clearInterval(countdown);
          window.location.assign(reset);
        }
      }, 1000);
    };
    // While the warning shows, a tap only dismisses it: it is hidden at the click, and a click
    // outside it goes no further (hidden at the touch, the tap would land on what lies beneath).
    var activity = function (event) {
      if (!warning.hidden) {
        if (event.type !== "click" && event.type !== "keydown") {
          return;
        }
        if (event.type === "click" && !warning.contains(event.target)) {
          event.preventDefault();
          event.stopPropagation();
        }
      }
      arm();
    };
    ["pointerdown", "keydown", "input", "scroll", "click"].forEach(function (name) {
      document.addEventListener(name, activity, { capture: true });
    });
    arm();
  }
})();
