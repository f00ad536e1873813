// Copy buttons: <button class="copy" data-copy-target="ID"> copies the text of element ID.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  if (!source || !navigator.clipboard) return;
  // A masked secret (see Show buttons below) is copied as itself, not as its mask.
  navigator.clipboard.writeText((source.dataset.secret ?? source.textContent).trim()).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// Show buttons: <button class="reveal" data-reveal-target="ID" hidden> masks element ID's text
// until pressed (without JavaScript the text is simply shown and the button stays hidden).
document.querySelectorAll("button.reveal").forEach((button) => {
  const target = document.getElementById(button.dataset.revealTarget);
  if (!target) return;
  const secret = target.textContent;
  target.dataset.secret = secret;
  const masked = "*".repeat(Math.max(secret.length, 8));
  target.textContent = masked;
  button.hidden = false;
  button.addEventListener("click", () => {
    const showing = target.textContent !== masked;
    target.textContent = showing ? masked : secret;
    button.textContent = showing ? "Show" : "Hide";
  });
});
