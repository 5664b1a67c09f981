// The /about page's "Delete my data" button: asks the server to delete the conversation this
// browser holds (the same as typing /xoadulieu and confirming), then forgets it here too.
// The server's reply is shown with textContent, never as HTML.
(function () {
  "use strict";
  var box = document.getElementById("delete-box");
  var button = document.getElementById("delete-data");
  var result = document.getElementById("delete-result");
  var SESSION_KEY = "helpdesk-session";
  var SUPPORT_KEY = "helpdesk-support";

  function stored() {
    try { return window.localStorage.getItem(SESSION_KEY); } catch (e) { return null; }
  }

  function forget() {
    try {
      window.localStorage.removeItem(SESSION_KEY);
      window.localStorage.removeItem(SUPPORT_KEY);
    } catch (e) { /* private mode: nothing was kept */ }
  }

  button.addEventListener("click", function () {
    var session = stored();
    if (!session || !/^[A-Za-z0-9_-]{8,64}$/.test(session)) {
      forget();
      result.textContent = box.dataset.nothing;
      return;
    }
    button.disabled = true;
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session: session, action: "del:yes", locale: box.dataset.locale })
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      forget();
      result.textContent = (data.replies || []).map(function (r) { return r.text; }).join("\n");
    }).catch(function () {
      result.textContent = box.dataset.error;
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
