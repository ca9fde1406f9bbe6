// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill
// loaded first: the evidence verifier imports the library through this module.
import 'reflect-metadata';

export { X509Certificate, X509Crl } from '@peculiar/x509';
