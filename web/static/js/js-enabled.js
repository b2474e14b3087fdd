// Loaded at the top of <body> (not inline, so the Content-Security-Policy can forbid inline
// scripts): marks the page before it paints, so components that need JavaScript look right at once.
document.body.className +=
  " js-enabled" +
  ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
