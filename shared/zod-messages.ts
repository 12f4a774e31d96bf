import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini ships no messages: every issue would read "Invalid input". Import this module next to a
// zod/mini schema whose issues reach a person (a bastion refusal, a rejected deploy message) to get
// the English messages zod classic loads by default (≈ 2.7 KB bundled). The setting is global and is
// the one zod classic applies itself, so bundles holding both agree.
z.config(en());
