// A real WordPress client against a running Newsdesk: node-wpapi (npm `wpapi`, pinned in
// package.json) discovers the API from the site's address, reads the way apps and headless
// front ends read, then writes with an application password the way syndication tools do.
//
//   node .ci/wpapi-check.js BASE_URL LOGIN APPLICATION_PASSWORD
//
// Prints one PASS/FAIL line per check and exits 1 if any failed. Run by .ci/validate.
'use strict';

const zlib = require('zlib');
const WPAPI = require('wpapi');

const [base, login, password] = process.argv.slice(2);
if (!base || !login || !password) {
  console.error('usage: node wpapi-check.js BASE_URL LOGIN APPLICATION_PASSWORD');
  process.exit(2);
}

let failed = 0;
let passed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed += 1;
    console.log(`PASS wpapi: ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL wpapi: ${name}${detail === undefined ? '' : `: ${detail}`}`);
  }
}

// A small RGB PNG, made here so the check needs no file.
function png(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) {
      row[1 + x * 3] = (x * 5) & 0xff;
      row[2 + x * 3] = (y * 7) & 0xff;
      row[3 + x * 3] = ((x + y) * 3) & 0xff;
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function main() {
  // Discovery: HEAD of the home page, its Link header, then the index.
  const reader = await WPAPI.discover(base);
  check('discover finds the API from the home page', !!reader && typeof reader.posts === 'function');
  const index = await reader.root();
  check('the index names the site', typeof index.name === 'string' && index.name.length > 0, index.name);

  // Reading, as apps and headless front ends do.
  const posts = await reader.posts().embed().perPage(5);
  check('five stories with _embed', posts.length === 5, posts.length);
  const first = posts[0] || {};
  check(
    'embedded byline and sections',
    first._embedded && first._embedded.author && first._embedded.author[0].name
      && Array.isArray(first._embedded['wp:term']),
    JSON.stringify(first._embedded || {}).slice(0, 200),
  );
  check('paging totals', posts._paging && posts._paging.total >= 5 && posts._paging.totalPages >= 1);

  const sections = await reader.categories().perPage(100);
  const section = sections.find((c) => c.count >= 2);
  check('a section with several stories', !!section);
  const inSection = await reader.posts().categories(section.id).perPage(100);
  check(
    'filter by section',
    inSection.length === section.count && inSection.every((p) => p.categories.includes(section.id)),
    `${inSection.length} of ${section.count}`,
  );

  const seen = new Set();
  let page = await reader.posts().perPage(4).page(1);
  const total = page._paging.total;
  let pages = 1;
  for (;;) {
    page.forEach((p) => seen.add(p.id));
    if (!page._paging.next) break;
    page = await page._paging.next;
    pages += 1;
  }
  check('paging through every story', seen.size === total && pages === page._paging.totalPages, `${seen.size} of ${total} in ${pages} pages`);

  // Writing with an application password.
  const writer = await WPAPI.discover(base);
  writer.auth({ username: login, password });
  const me = await writer.users().me().param('context', 'edit');
  check('users/me with the application password', me.username === login, me.username);

  const draft = await writer.posts().create({
    title: 'Filed through the WordPress API',
    content: '<p>Copy from a <strong>syndication</strong> tool.</p>',
    status: 'draft',
    categories: [section.id],
    meta: { credit_line: 'RHM/PR' },
  });
  check('create a draft', draft.status === 'draft' && draft.id > 0, draft.status);
  let hidden = null;
  try {
    await reader.posts().id(draft.id);
  } catch (e) {
    hidden = e;
  }
  check('the draft is not public', hidden && hidden.code === 'rest_post_invalid_id', hidden && hidden.code);

  const image = await writer.media().file(png(640, 400), 'wpapi-check.png').create({
    alt_text: 'Test card',
  });
  check(
    'upload an image',
    image.id > 0 && image.media_type === 'image' && image.alt_text === 'Test card'
      && image.media_details.sizes && image.media_details.sizes.full,
    JSON.stringify(image).slice(0, 200),
  );

  const updated = await writer.posts().id(draft.id).update({
    title: 'Filed and published through the WordPress API',
    featured_media: image.id,
    status: 'publish',
  });
  check(
    'update and publish',
    updated.status === 'publish' && updated.featured_media === image.id
      && updated.meta.credit_line === 'RHM/PR',
    `${updated.status} ${updated.featured_media}`,
  );
  const published = await reader.posts().id(draft.id);
  check('the story is public', published.title.rendered === 'Filed and published through the WordPress API');

  const deleted = await writer.posts().id(draft.id).delete({ force: true });
  check('delete for good', deleted.deleted === true && deleted.previous.id === draft.id);
  let gone = null;
  try {
    await reader.posts().id(draft.id);
  } catch (e) {
    gone = e;
  }
  check('the story is gone', gone && gone.code === 'rest_post_invalid_id', gone && gone.code);

  const captioned = await writer.media().id(image.id).update({
    alt_text: 'Test card, captioned',
    caption: 'Made by the client check',
  });
  check(
    "change an image's alt text and caption",
    captioned.alt_text === 'Test card, captioned'
      && captioned.caption.rendered.includes('Made by the client check'),
    JSON.stringify(captioned.caption),
  );
  const removed = await writer.media().id(image.id).delete({ force: true });
  check('delete the image for good', removed.deleted === true && removed.previous.id === image.id);

  const people = await writer.users().param('context', 'edit').perPage(100);
  check(
    'an administrator lists the newsroom with context=edit',
    people.some((u) => u.username === login && Array.isArray(u.roles) && u.roles.includes('administrator')),
    people.map((u) => u.username).join(','),
  );
  const colleague = await writer.users().create({
    username: 'wpapi-colleague',
    email: 'wpapi-colleague@newsdesk.invalid',
    name: 'Client Check Colleague',
    roles: ['contributor'],
  });
  check('add a person', colleague.id > 0 && colleague.roles[0] === 'contributor', JSON.stringify(colleague.roles));
  const promoted = await writer.users().id(colleague.id).update({ roles: ['author'], description: 'Writes tests.' });
  check('change their role and bio', promoted.roles[0] === 'author' && promoted.description === 'Writes tests.');
  const me2 = await writer.users().me().param('context', 'edit');
  const removedPerson = await writer.users().id(colleague.id).delete({ force: true, reassign: me2.id });
  check('delete them, giving their work to someone', removedPerson.deleted === true);

  let refused = null;
  try {
    const stranger = await WPAPI.discover(base);
    stranger.auth({ username: login, password: 'abcd efgh ijkl mnop qrst uvwx' });
    await stranger.posts().create({ title: 'Forged' });
  } catch (e) {
    refused = e;
  }
  check('a wrong password is refused', refused && refused.code === 'incorrect_password', refused && refused.code);
}

main()
  .catch((e) => {
    failed += 1;
    console.log(`FAIL wpapi: ${e && (e.stack || e.message || JSON.stringify(e))}`);
  })
  .finally(() => {
    console.log(`wpapi: ${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
