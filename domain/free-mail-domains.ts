/**
 * Mail domains anyone can get an address at: a lead writing from one of them tells us
 * nothing about its company, so its domain never groups leads into an account.
 *
 * Where the list comes from: compiled by hand for this engine from the providers Japanese
 * B2B lead lists actually show: the mobile carriers' mail (NTT docomo, au/KDDI, SoftBank,
 * Rakuten Mobile, the MVNOs), the consumer ISPs (OCN, BIGLOBE, So-net, @nifty, plala, …),
 * and the global free-mail services (Google, Yahoo, Microsoft, Apple, …). It is not an
 * external data set; add a domain here when one shows up grouping unrelated people.
 * A listed domain also covers its subdomains (ISPs hand out `xx.so-net.ne.jp`).
 */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  // Global free mail
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'ymail.com',
  'outlook.com',
  'outlook.jp',
  'hotmail.com',
  'hotmail.co.jp',
  'live.com',
  'live.jp',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'protonmail.com',
  'proton.me',
  'gmx.com',
  'gmx.net',
  'mail.com',
  'yandex.com',
  'qq.com',
  '163.com',
  'naver.com',
  // Japanese portals' free mail
  'yahoo.co.jp',
  'ymail.ne.jp',
  'excite.co.jp',
  'infoseek.jp',
  'goo.jp',
  'mail.goo.ne.jp',
  'livedoor.com',
  'rakuten.jp',
  'nifty.com',
  // Mobile carriers and MVNOs
  'docomo.ne.jp',
  'ezweb.ne.jp',
  'au.com',
  'softbank.ne.jp',
  'i.softbank.jp',
  'disney.ne.jp',
  'ymobile.ne.jp',
  'y-mobile.ne.jp',
  'willcom.com',
  'pdx.ne.jp',
  'emobile.ne.jp',
  'rakumail.jp',
  'uqmobile.jp',
  'mineo.jp',
  'ahamo.net',
  'povo.jp',
  // Consumer ISPs
  'ocn.ne.jp',
  'biglobe.ne.jp',
  'so-net.ne.jp',
  'plala.or.jp',
  'dion.ne.jp',
  'ybb.ne.jp',
  'eonet.ne.jp',
  'jcom.home.ne.jp',
  'jcom.zaq.ne.jp',
  'zaq.ne.jp',
  'odn.ne.jp',
  'odn.jp',
  'hi-ho.ne.jp',
  'tnc.ne.jp',
  'ctb.ne.jp',
  'commufa.jp',
  'bb.excite.co.jp',
  'asahi-net.or.jp',
  'sannet.ne.jp',
  'kcn.ne.jp',
  'mopera.net',
]);

/** Whether `domain` (lower case) is a free-mail domain or a subdomain of one. */
export function isFreeMailDomain(domain: string): boolean {
  const labels = domain.toLowerCase().split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    if (FREE_MAIL_DOMAINS.has(labels.slice(i).join('.'))) return true;
  }
  return false;
}
