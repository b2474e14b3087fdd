// Live length of a post's text by its platform's rules, asked of the server (the same check that
// decides on save, made on the text as it is saved: without the blank space around it), so the
// count matches what the platform will accept. The text is sent as typed: only the server trims
// it, so the two counts cannot drift. Without JavaScript the length is shown by Preview and
// checked on save. (The npm twitter-text 3.1.0 package has no
// browser build: its ESM files import bare specifiers such as core-js and @babel/runtime and
// extensionless paths, which need a bundler; and the server's count covers every platform.)
const form = document.querySelector("form[data-compose]");

if (form) {
  const token = form.querySelector("input[name=csrf_token]").value;
  const channelOf = () => form.querySelector("[name=channel]").value;

  const measure = async (area, output) => {
    if (!area.value.trim()) {
      output.textContent = "";
      return;
    }
    const response = await fetch(form.dataset.lengthUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({
        channel: channelOf(),
        text: area.value,
        twin: area.dataset.measure === "twin",
      }),
      credentials: "same-origin",
    });
    const check = await response.json().catch(() => ({}));
    if (!response.ok || check.message) {
      // Say why there is no count (e.g. a twin on a channel without one), rather than go blank.
      output.textContent =
        check.message ||
        `The length could not be checked (error ${response.status}); it is checked on save`;
      output.classList.add("govuk-error-message");
      return;
    }
    const over = check.remaining < 0;
    output.textContent = over
      ? `${-check.remaining} characters too many (${check.length} of ${check.limit})`
      : `${check.length} of ${check.limit} characters; ${check.remaining} left`;
    output.classList.toggle("govuk-error-message", !check.valid);
  };

  for (const area of form.querySelectorAll("textarea[data-measure]")) {
    const output = form.querySelector(`[data-length-of=${area.dataset.measure}]`);
    let timer;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => measure(area, output), 250);
    };
    area.addEventListener("input", later);
    form.querySelector("[name=channel]").addEventListener("change", later);
    measure(area, output);
  }
}
