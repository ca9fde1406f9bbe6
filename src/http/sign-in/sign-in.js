// WebAuthn sign-in for muster's interaction page: fetch options, ask the authenticator, post its response as JSON.
'use strict';
(function () {
  var button = document.getElementById('webauthn');
  var status = document.getElementById('status');
  if (!button || !status) return;

  function fromB64u(text) {
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    var bin = atob(b64 + '==='.slice((b64.length + 3) % 4));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes.buffer;
  }

  function toB64u(buffer) {
    var bytes = new Uint8Array(buffer);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function requestOptions(json) {
    if (window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    var options = Object.assign({}, json, { challenge: fromB64u(json.challenge) });
    options.allowCredentials = (json.allowCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: fromB64u(c.id) });
    });
    return options;
  }

  function responseJson(credential) {
    if (typeof credential.toJSON === 'function') return credential.toJSON();
    var r = credential.response;
    return {
      id: credential.id,
      rawId: toB64u(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toB64u(r.clientDataJSON),
        authenticatorData: toB64u(r.authenticatorData),
        signature: toB64u(r.signature),
        userHandle: r.userHandle ? toB64u(r.userHandle) : undefined,
      },
    };
  }

  async function signIn() {
    button.disabled = true;
    status.textContent = 'Use your security key when it asks…';
    try {
      var optionsResponse = await fetch(button.dataset.options, { credentials: 'same-origin' });
      var options = await optionsResponse.json();
      if (!optionsResponse.ok) throw new Error(options.error_description || 'the sign-in could not start');
      var credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
      var answer = await fetch(button.dataset.submit, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(responseJson(credential)),
      });
      var result = await answer.json();
      if (!answer.ok) throw new Error(result.error_description || 'the sign-in was refused');
      status.textContent = 'Signed in. Returning to the service…';
      window.location.assign(result.location);
    } catch (error) {
      status.textContent = error && error.name === 'NotAllowedError' ? 'The security key did not answer (cancelled or timed out). Try again.' : String((error && error.message) || error);
      button.disabled = false;
    }
  }

  button.addEventListener('click', signIn);
})();
