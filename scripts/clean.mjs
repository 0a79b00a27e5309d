// Remove dist/ before each build, so that a module deleted or moved in src/ cannot survive
// as a stale dist file that tests or scripts still import.
import { rmSync } from 'node:fs';
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
