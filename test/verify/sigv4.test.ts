/** SigV4 against the worked example in AWS's "Signature Version 4" documentation (IAM ListUsers, 2015-08-30). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signV4, signingKey, amzDate } from '../../src/verify/providers/sigv4.js';

// AWS's documented example credentials (not a real key).
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

test('sigv4: signing key of the documented example', () => {
  assert.equal(signingKey(SECRET, '20150830', 'us-east-1', 'iam').toString('hex'), 'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
});

test('sigv4: signature of the documented GET ListUsers request', () => {
  const { signature, headers } = signV4({
    method: 'GET', host: 'iam.amazonaws.com', path: '/', query: 'Action=ListUsers&Version=2010-05-08',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: '',
    region: 'us-east-1', service: 'iam', amzDate: '20150830T123600Z', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET,
  });
  assert.equal(signature, '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  assert.equal(headers['authorization'], `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${signature}`);
});

test('sigv4: amzDate format', () => {
  assert.equal(amzDate(new Date('2015-08-30T12:36:00.123Z')), '20150830T123600Z');
});
