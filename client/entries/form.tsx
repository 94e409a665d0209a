/** The entry of every form page (log in, sign up, change password...). */
import { FormPage } from '../pages/FormPage.tsx';
import { startPage } from '../start.tsx';

// A form page goes live at once: the person may already be typing.
startPage(FormPage);
