/** The account page's entry. */
import { AccountPage } from '../pages/AccountPage.tsx';
import { startPageWhenLoaded } from '../start.tsx';

// Nothing on the account page waits for this script: the server's markup shows the email,
// the flash and a working "Log out" form, and the live socket only has to notice a sign-out
// elsewhere within a few seconds. Going live before the load event held that event (and the
// paint of the page) back by several milliseconds after every sign-in, so it waits.
startPageWhenLoaded(AccountPage);
