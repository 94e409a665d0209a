/** The passkeys page's entry (/account/passkeys). */
import { PasskeysPage } from '../pages/PasskeysPage.tsx';
import { startPageWhenLoaded } from '../start.tsx';

// Rename and remove are plain posts that work before this script runs; "Add a passkey"
// waits for it, and says so until it runs, so going live waits for the load event as the
// account page does.
startPageWhenLoaded(PasskeysPage);
