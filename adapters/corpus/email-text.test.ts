import { describe, expect, it } from 'vitest';
import { emailToText } from './email-text.ts';

describe('emailToText', () => {
  it('keeps the subject and the body, drops every header and the mbox From line', () => {
    const raw = [
      'From someone@example.com  Thu Aug 22 13:17:22 2002',
      'Return-Path: <someone@example.com>',
      'Received: from relay (relay [10.0.0.1])',
      '\tby mx.example.com with SMTP',
      'Subject: Cheap',
      ' meds today',
      'To: you@example.com',
      '',
      'Buy now.',
      'Received: this line is body text, not a header',
    ].join('\n');
    expect(emailToText(raw)).toBe(
      'Cheap meds today\n\nBuy now.\nReceived: this line is body text, not a header',
    );
  });

  it('decodes quoted-printable, base64 and encoded-word subjects with their charsets', () => {
    const qp =
      'Subject: =?iso-8859-1?Q?Caf=E9_cr=E8me?=\nContent-Transfer-Encoding: quoted-printable\nContent-Type: text/plain; charset=iso-8859-1\n\nSave 50=25 on caf=E9 =\nnow';
    expect(emailToText(qp)).toBe('Café crème\n\nSave 50% on café now');
    const b64 = `Subject: =?utf-8?B?${Buffer.from('Grüße').toString('base64')}?=\nContent-Transfer-Encoding: base64\n\n${Buffer.from('Hallo Welt').toString('base64')}`;
    expect(emailToText(b64)).toBe('Grüße\n\nHallo Welt');
  });

  it('walks multipart bodies: text parts kept (HTML as written), attachments and preamble dropped', () => {
    const raw = [
      'Subject: Offer',
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      'This is a multi-part message in MIME format.',
      '--outer',
      'Content-Type: multipart/alternative; boundary=inner',
      '',
      '--inner',
      'Content-Type: text/plain',
      '',
      'Plain offer',
      '--inner',
      'Content-Type: text/html',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<b>HTML offer</b> =3D deal',
      '--inner--',
      '--outer',
      'Content-Type: image/gif; name="x.gif"',
      'Content-Transfer-Encoding: base64',
      '',
      'R0lGODlhAQABAAAAACw=',
      '--outer--',
      'epilogue',
    ].join('\n');
    expect(emailToText(raw)).toBe('Offer\n\nPlain offer\n\n<b>HTML offer</b> = deal');
  });

  it('handles CRLF line ends, a missing subject and a missing body', () => {
    expect(emailToText('To: a@b.c\r\n\r\nHello\r\nthere')).toBe('Hello\nthere');
    expect(emailToText('Subject: Only headers')).toBe('Only headers\n\n');
  });
});
