// The FIDO2 half of a Derived PIV binding in the muster console: the form's submit asks the authenticator to register
// with the options the page carries (data-options), puts the answer in the form and sends it. Served as a file of the
// console's own origin: the Content-Security-Policy allows no inline script.
/* global SimpleWebAuthnBrowser */
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('fido2-form');
  if (!form) return;
  const status = document.getElementById('fido2-status');
  form.addEventListener('submit', async (event) => {
    if (form.elements.registration.value !== '') return;
    event.preventDefault();
    try {
      const registration = await SimpleWebAuthnBrowser.startRegistration({ optionsJSON: JSON.parse(form.dataset.options) });
      form.elements.registration.value = JSON.stringify(registration);
      form.submit();
    } catch (error) {
      status.textContent = `The authenticator did not register a passkey (${error.name}). Try again.`;
    }
  });
});
