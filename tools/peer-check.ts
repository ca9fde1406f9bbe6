// The first step of `npm test`: tools/peers.sh names the real peers that are missing. It installs nothing;
// `npm run peers` (tools/peers.sh --install, as root) does.
import { fileURLToPath } from 'node:url';

export const PEER_CHECK = { command: 'bash', args: [fileURLToPath(new URL('./peers.sh', import.meta.url))] } as const;
