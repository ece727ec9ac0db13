// The dashboard's sign-in page: the person types the admin token once; the gateway answers
// with a session cookie (see ../session.ts).
import { html, type SafeHtml } from './html.js';
import { page } from './layout.js';

export function loginPage(options: { next: string; error?: string | undefined }): SafeHtml {
  return page({
    title: 'Sign in',
    main: html`<section class="card login">
<h1>Sign in to the dashboard</h1>
${options.error ? html`<div class="error" role="alert">${options.error}</div>` : ''}
<form method="post" action="/dashboard/login" class="actions">
<input type="hidden" name="next" value="${options.next}">
<label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus size="40"></label>
<button type="submit" class="primary">Sign in</button>
</form>
<p class="muted">The token is <code>PAYHOOK_ADMIN_TOKEN</code> of this gateway.</p>
</section>`,
  });
}
