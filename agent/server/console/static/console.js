// Progressive enhancement only: every page works without this script.
"use strict";

// The investigations list refreshes its rows while the tab is visible.
function pollRows() {
  const body = document.querySelector("tbody[data-poll]");
  if (!body) return;
  const url = body.getAttribute("data-poll");
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      // A redirect means the session ended: reload, which shows the login form.
      if (answer.redirected) { window.location.reload(); return; }
      if (answer.ok) body.innerHTML = await answer.text();  // server-rendered, escaped rows
    } catch (error) {
      // Offline for a moment: keep the rows we have.
    }
  }, 5000);
}

// "Copy" buttons copy the text of the element they name.
function copyButtons() {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) return;
      try {
        await navigator.clipboard.writeText(source.value || source.textContent);
        button.textContent = "Copied";
      } catch (error) {
        source.select();
      }
    });
  }
}

document.addEventListener("DOMContentLoaded", () => { pollRows(); copyButtons(); });
