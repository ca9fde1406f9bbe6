import { AdConnector } from '../../src/connectors/accounts/ad/index.ts';
import { sambaSkip, startSambaAd } from '../support/samba-ad.ts';
import { connectorContract } from './connector-contract.ts';

connectorContract(
  'ad',
  async () => {
    const ad = await startSambaAd();
    return { connector: new AdConnector('directory', ad.options), stop: () => ad.stop() };
  },
  { skip: sambaSkip() },
);
