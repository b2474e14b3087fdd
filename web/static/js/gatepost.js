// Start the GOV.UK Frontend components on the page. The versioned address of govuk-frontend's
// module comes from the <script> tag that loads this file, so a new release is never served stale.
const tag = document.querySelector("script[data-govuk-frontend]");

if (tag && document.body.classList.contains("govuk-frontend-supported")) {
  const { initAll } = await import(tag.dataset.govukFrontend);
  initAll();
}
