import { X509Certificate, createHash } from 'node:crypto';
import { AWS_NITRO_ROOT_G1_PEM, AWS_NITRO_ROOT_G1_SHA256 } from '../../../../enclave-host/attestation';

describe('the pinned AWS Nitro Enclaves root G1', () => {
  it('has the SHA-256 fingerprint AWS publishes (64:1A:03:21:…:79:BB:5B)', () => {
    const root = new X509Certificate(AWS_NITRO_ROOT_G1_PEM);
    // Written out here rather than read from the module, so a change to both at once still fails.
    const published = '64:1A:03:21:A3:E2:44:EF:E4:56:46:31:95:D6:06:31:7E:D7:CD:CC:3C:17:56:E0:98:93:F3:C6:8F:79:BB:5B';
    expect(root.fingerprint256).toBe(published);
    expect(createHash('sha256').update(root.raw).digest('hex')).toBe(AWS_NITRO_ROOT_G1_SHA256);
  });

  it('is the self-signed P-384 CA CN=aws.nitro-enclaves, valid until 2049', () => {
    const root = new X509Certificate(AWS_NITRO_ROOT_G1_PEM);
    expect(root.subject).toContain('CN=aws.nitro-enclaves');
    expect(root.issuer).toBe(root.subject);
    expect(root.ca).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(root.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    expect(new Date(root.validTo).getUTCFullYear()).toBe(2049);
  });
});
