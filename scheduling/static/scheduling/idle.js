// Takes patient data off a screen left unattended. Once the session may have ended (the idle
// minutes since this page loaded, plus a little), it asks the server how long the session
// really has left: another tab may have kept it alive. Asked as a poll (X-Clinic-Poll), the
// question does not count as activity. If the session has ended, or the answer is not one,
// the page reloads: the server then shows the sign-in page, which says why.
(() => {
  const script = document.currentScript;
  const idleMs = Number(script?.dataset.idleMinutes) * 60_000;
  const statusUrl = script?.dataset.statusUrl;
  const graceMs = 5_000;
  // Browsers fire a timer of more than 2^31 - 1 ms at once: a long wait is taken in days.
  const later = (delayMs) => window.setTimeout(check, Math.min(delayMs, 86_400_000));
  if (!idleMs || !statusUrl) {
    return;
  }

  const reload = () => window.location.reload();

  const check = async () => {
    try {
      const response = await fetch(statusUrl, {
        headers: { "X-Clinic-Poll": "1", Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
        // A signed-out session is answered with a redirect to sign in: not followed here.
        redirect: "manual",
      });
      if (!response.ok) {
        reload();
        return;
      }
      const { seconds_left: secondsLeft } = await response.json();
      if (!(secondsLeft > 0)) {
        reload();
        return;
      }
      later(secondsLeft * 1000 + graceMs);
    } catch {
      // The server did not answer: reload all the same, so the data leaves the screen.
      reload();
    }
  };

  later(idleMs + graceMs);
})();
