// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill
// loaded first. Every pki file imports the library through this module so the order is guaranteed.
import 'reflect-metadata';

export * from '@peculiar/x509';
