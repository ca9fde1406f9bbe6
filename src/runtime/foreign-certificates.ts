import type { MusterConfig } from '../config/schema.ts';
import { MusterError } from '../core/errors.ts';
import { pemCertificates } from '../pki/pem.ts';
import { X509Certificate } from '../pki/x509.ts';
import { readConfiguredFile } from './configured-file.ts';

const ANCHORS = 'federation.mtls.foreignAnchorFiles';
const INTERMEDIATES = 'federation.mtls.foreignIntermediateFiles';

/**
 * The trust anchors of other agencies named by `federation.mtls.foreignAnchorFiles`, read once at start: one PEM
 * certificate per file. A file holding more is refused: the TLS listener would trust them all while the path
 * validation took one, and an intermediate CA made an anchor would skip the constraints of the CA above it.
 */
export async function foreignAnchors(config: MusterConfig): Promise<string[]> {
  const files = config.federation.mtls.foreignAnchorFiles;
  const read = await certificatesIn(files, ANCHORS, 'trust anchor');
  return read.map((certificates, i) => {
    if (certificates.length > 1) {
      throw new MusterError('MUSTER_ERR_CONFIG', `${files[i]} holds ${certificates.length} certificates; a trust anchor file holds one`, [
        { key: ANCHORS, value: files[i] as string, message: `give each anchor a file of its own, and the CAs below the anchors in ${INTERMEDIATES}` },
      ]);
    }
    return certificates[0] as string;
  });
}

/**
 * The intermediate CAs of other agencies named by `federation.mtls.foreignIntermediateFiles`, read once at start, one
 * PEM certificate each (a file may hold several). A browser often sends only the card's own certificate, and Node does
 * not give the chain it sent once the handshake verified it against the listener's anchors: a card issued below an
 * intermediate CA finds its path through these.
 */
export async function foreignIntermediates(config: MusterConfig): Promise<string[]> {
  return (await certificatesIn(config.federation.mtls.foreignIntermediateFiles, INTERMEDIATES, 'intermediate CA file')).flat();
}

/** The PEM certificates of each file, each checked to parse; a file that cannot be read or holds none is refused. */
async function certificatesIn(files: readonly string[], key: string, what: string): Promise<string[][]> {
  return Promise.all(
    files.map(async (file) => {
      const blocks = pemCertificates(await readConfiguredFile(key, file, what));
      if (blocks.length === 0) throw new MusterError('MUSTER_ERR_CONFIG', `no PEM certificate in ${file}`, [{ key, value: file, message: 'expected -----BEGIN CERTIFICATE----- blocks' }]);
      return blocks.map((block) => {
        try {
          new X509Certificate(block);
        } catch (error) {
          throw new MusterError('MUSTER_ERR_CONFIG', `a certificate in ${file} cannot be read`, [{ key, value: file, message: (error as Error).message }], { cause: error });
        }
        return `${block}\n`;
      });
    }),
  );
}
