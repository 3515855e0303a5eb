import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

// zod/mini ships without messages ("Invalid input" for everything); issues sent to
// clients must say what is wrong, so the English locale is loaded once, here.
z.config(en());
