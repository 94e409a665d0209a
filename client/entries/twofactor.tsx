/** The two-factor settings page's entry (/account/two-factor). */
import { TwoFactorPage } from '../pages/TwoFactorPage.tsx';
import { startPageWhenLoaded } from '../start.tsx';

// Its forms are plain posts that work before this script runs; the script only keeps the
// page's socket, so it waits for the load event as the account page does.
startPageWhenLoaded(TwoFactorPage);
