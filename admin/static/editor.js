// Story editor: a rich text editing surface in place of the story body's textarea, with
// autosave to the server and to this browser.
//
// The textarea stays in the form, hidden, and always holds the body as clean HTML, so the form
// submits the story without any code of its own. Everything the editor writes is limited to
// <p>, <h2>, <h3>, <strong>, <em>, <a href>, <br>, <blockquote><p>, <ul>/<ol>/<li> and
// <figure><img><figcaption>; the server sanitizes it again.

const TEXT_BLOCKS = 'p, h1, h2, h3, h4, h5, h6, li';
const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'caption', 'center', 'dd', 'details', 'div', 'dl',
  'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'header', 'hgroup', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table',
  'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);
const DROPPED_TAGS = new Set([
  'area', 'audio', 'button', 'canvas', 'dialog', 'embed', 'head', 'hr', 'iframe', 'input', 'link',
  'map', 'math', 'meta', 'noscript', 'o:p', 'object', 'script', 'select', 'style', 'svg',
  'template', 'textarea', 'title', 'video', 'xml',
]);
const BLOCK_SELECTOR = [...BLOCK_TAGS].join(', ');
const SHORTCUTS = {
  bold: 'Control+B', italic: 'Control+I', link: 'Control+K', paragraph: 'Control+Alt+0',
  h2: 'Control+Alt+2', h3: 'Control+Alt+3', quote: 'Control+Shift+9', ul: 'Control+Shift+8',
  ol: 'Control+Shift+7', undo: 'Control+Z', redo: 'Control+Shift+Z',
};
// Each button's name starts with or contains its visible text (WCAG 2.5.3, label in name).
const TOOLBAR = [
  ['paragraph', 'Paragraph', '¶'],
  ['h2', 'H2 heading', 'H2'],
  ['h3', 'H3 subheading', 'H3'],
  null,
  ['bold', 'Bold', 'B'],
  ['italic', 'Italic', 'I'],
  ['link', 'Link', 'Link'],
  null,
  ['quote', 'Block quote', '“ ”'],
  ['ul', 'Bulleted list', '• List'],
  ['ol', '1. List, numbered', '1. List'],
  null,
  ['image', 'Image', 'Image'],
  ['embed', 'Embed', 'Embed'],
  null,
  ['undo', 'Undo', '↶'],
  ['redo', 'Redo', '↷'],
];
const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children);
  return node;
}

function rename(node, tag) {
  if (node.localName === tag) return node;
  const replacement = document.createElement(tag);
  while (node.firstChild) replacement.append(node.firstChild);
  node.replaceWith(replacement);
  return replacement;
}

function hasContent(node) {
  return node.textContent.replace(/[\s\u200b\ufeff]+/g, '') !== '' || node.querySelector('img') !== null;
}

// ---------------------------------------------------------------------------------------------
// Clean HTML: one converter for pasted HTML (word processors, web pages) and for the editing
// surface itself when it is written to the textarea.

function safeHref(raw, fromPaste) {
  let href = (raw || '').trim();
  if (!href) return null;
  if (fromPaste) {
    // Google Docs wraps links in a redirect.
    const redirect = /^https?:\/\/www\.google\.[a-z.]+\/url\?(.*)$/i.exec(href);
    if (redirect) href = new URLSearchParams(redirect[1]).get('q') || href;
  }
  if (/^(https?:\/\/|mailto:|tel:)/i.test(href)) return href;
  if (!fromPaste && /^\/(?!\/)/.test(href)) return href;
  return null;
}

function safeImageSrc(raw, fromPaste) {
  const src = (raw || '').trim();
  if (/^https?:\/\//i.test(src)) return src;
  if (!fromPaste && /^\/(?!\/)/.test(src)) return src;
  return null;
}

function styleOf(node) {
  return (node.getAttribute('data-pasted-style') || node.getAttribute('style') || '').toLowerCase();
}

class Cleaner {
  constructor(fromPaste) {
    this.fromPaste = fromPaste;
  }

  // Block content of `parent`, appended to `container` (a fragment or a <blockquote>).
  blocks(parent, container) {
    let para = null;
    let figures = [];
    let wordList = null;
    const flush = () => {
      if (para && finishBlock(para)) container.append(para);
      para = null;
      container.append(...figures);
      figures = [];
    };
    for (const node of Array.from(parent.childNodes)) {
      if (node.nodeType === Node.TEXT_NODE) {
        if (!para && !node.data.trim()) continue;
        para ??= el('p');
        this.inline(node, para, {}, figures);
        continue;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = node.localName;
      if (DROPPED_TAGS.has(tag)) continue;
      const item = wordListLevel(node);
      if (item) {
        flush();
        wordList = this.wordListItem(node, item, wordList, container);
        continue;
      }
      if (node.textContent.trim() || node.querySelector('img')) wordList = null;
      if (!BLOCK_TAGS.has(tag) && !node.querySelector(BLOCK_SELECTOR)) {
        para ??= el('p');
        this.inline(node, para, {}, figures);
        continue;
      }
      flush();
      this.block(node, container);
    }
    flush();
  }

  block(node, container) {
    const tag = node.localName;
    const quoted = container.localName === 'blockquote';
    if (/^h[1-6]$/.test(tag) && !node.querySelector('p, div, li')) {
      const heading = el(quoted ? 'p' : ['h1', 'h2'].includes(tag) ? 'h2' : 'h3');
      const figures = [];
      this.inlineChildren(node, heading, { heading: !quoted }, figures);
      if (finishBlock(heading)) container.append(heading);
      container.append(...figures);
    } else if (['p', 'pre', 'address', 'dt', 'dd', 'summary', 'caption', 'li', 'figcaption'].includes(tag)
      && !node.querySelector(BLOCK_SELECTOR)) {
      const para = el('p');
      const figures = [];
      this.inlineChildren(node, para, {}, figures);
      if (finishBlock(para)) container.append(para);
      container.append(...figures);
    } else if (tag === 'blockquote' && !quoted) {
      const quote = el('blockquote');
      this.blocks(node, quote);
      if (quote.firstChild) container.append(quote);
    } else if (tag === 'ul' || tag === 'ol') {
      const list = el(tag);
      this.listItems(node, list);
      if (list.firstChild) container.append(list);
    } else if (tag === 'figure' && node.classList.contains('embed') && node.querySelector('a[href]')) {
      const figure = embedFigureFrom(node);
      if (figure) container.append(figure);
    } else if (tag === 'figure' && node.querySelector('img')) {
      const figure = this.figure(node.querySelector('img'), node.querySelector('figcaption'));
      if (figure) container.append(figure);
    } else {
      this.blocks(node, container);
    }
  }

  listItems(source, list) {
    for (const child of Array.from(source.childNodes)) {
      const tag = child.nodeType === Node.ELEMENT_NODE ? child.localName : '#text';
      if (tag === 'li') {
        const item = el('li');
        this.listItemContent(child, item);
        if (hasContent(item)) list.append(item);
      } else if (tag === 'ul' || tag === 'ol') {
        // Google Docs nests lists directly in lists.
        const nested = el(tag);
        this.listItems(child, nested);
        if (!nested.firstChild) continue;
        if (list.lastElementChild) list.lastElementChild.append(nested);
        else list.append(el('li', {}, nested));
      } else if (tag === '#text' ? child.data.trim() : !DROPPED_TAGS.has(tag)) {
        const item = list.lastElementChild || list.appendChild(el('li'));
        this.inline(child, item, {}, []);
      }
    }
    for (const item of list.children) finishBlock(item);
  }

  listItemContent(source, item) {
    for (const child of Array.from(source.childNodes)) {
      const tag = child.nodeType === Node.ELEMENT_NODE ? child.localName : '#text';
      if (tag === 'ul' || tag === 'ol') {
        const nested = el(tag);
        this.listItems(child, nested);
        if (nested.firstChild) item.append(nested);
      } else if (BLOCK_TAGS.has(tag)) {
        if (hasContent(item)) item.append(el('br'));
        this.listItemContent(child, item);
      } else {
        this.inline(child, item, {}, []);
      }
    }
  }

  // Word writes list items as paragraphs with `mso-list` styles and the bullet as text.
  wordListItem(node, { list: id, level }, previous, container) {
    const marker = node.querySelector('[data-pasted-style*="mso-list"], [style*="mso-list"]');
    const ordered = marker ? /^\s*[\da-z]{1,4}[.)]/i.test(marker.textContent) : false;
    const state = previous && previous.id === id ? previous : Object.assign([], { id });
    while (state.length > level) state.pop();
    while (state.length < level) {
      const list = el(ordered ? 'ol' : 'ul');
      const parentList = state[state.length - 1];
      if (!parentList) container.append(list);
      else (parentList.lastElementChild || parentList.appendChild(el('li'))).append(list);
      state.push(list);
    }
    const item = el('li');
    this.inlineChildren(node, item, {}, []);
    if (finishBlock(item)) state[level - 1].append(item);
    return state;
  }

  inlineChildren(node, target, context, figures) {
    for (const child of Array.from(node.childNodes)) this.inline(child, target, context, figures);
  }

  inline(node, target, context, figures) {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.data.replace(/[\u200b\ufeff]/g, '').replace(/\s+/g, ' ');
      if (text) target.append(text);
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const tag = node.localName;
    const style = styleOf(node);
    if (DROPPED_TAGS.has(tag) || /mso-list:\s*ignore/.test(style)) return;
    if (tag === 'br') {
      target.append(el('br'));
      return;
    }
    if (tag === 'img') {
      const figure = this.figure(node, null);
      if (figure) figures.push(figure);
      return;
    }
    if (BLOCK_TAGS.has(tag) && target.lastChild) target.append(' ');
    let wrapper = null;
    const next = { ...context };
    if (tag === 'a') {
      const href = context.link ? null : safeHref(node.getAttribute('href'), this.fromPaste);
      if (href) {
        wrapper = el('a', { href });
        next.link = true;
      }
    } else {
      const normalWeight = /font-weight:\s*(normal|[1-4]00)/.test(style)
        || (node.id || '').startsWith('docs-internal-guid');
      const bold = ((tag === 'b' || tag === 'strong') && !normalWeight)
        || /font-weight:\s*(bold|bolder|[6-9]00)/.test(style);
      const italic = ((['i', 'em', 'cite', 'dfn'].includes(tag)) && !/font-style:\s*normal/.test(style))
        || /font-style:\s*(italic|oblique)/.test(style);
      if (bold && !context.bold && !context.heading) {
        wrapper = el('strong');
        next.bold = true;
      }
      if (italic && !context.italic) {
        const em = el('em');
        if (wrapper) wrapper.append(em);
        else wrapper = em;
        next.italic = true;
      }
    }
    if (!wrapper) {
      this.inlineChildren(node, target, next, figures);
      return;
    }
    const innermost = wrapper.querySelector('em') || wrapper;
    this.inlineChildren(node, innermost, next, figures);
    if (hasContent(wrapper)) target.append(wrapper);
    else target.append(...(innermost.textContent ? [' '] : []));
  }

  figure(img, caption) {
    const src = safeImageSrc(img.getAttribute('src'), this.fromPaste);
    if (!src) return null;
    const image = el('img', { src });
    const names = this.fromPaste ? ['alt', 'width', 'height'] : ['srcset', 'sizes', 'alt', 'width', 'height'];
    for (const name of names) {
      const value = img.getAttribute(name);
      if (name === 'alt') image.alt = value || '';
      else if (value && (name.startsWith('s') || /^\d+$/.test(value))) image.setAttribute(name, value);
    }
    const figure = el('figure', {}, image);
    if (caption) {
      const figcaption = el('figcaption');
      this.inlineChildren(caption, figcaption, {}, []);
      if (finishBlock(figcaption)) figure.append(figcaption);
    }
    return figure;
  }
}

// An embed: the provider and id the server wrote, and the link to the post. The server checks
// both again when the story is saved.
function embedFigure({ provider, id, url, title }) {
  return el('figure', {
    class: 'embed',
    'data-embed': /^[a-z]{1,20}$/.test(provider || '') ? provider : null,
    'data-embed-id': /^[\w.,:!@/-]{1,1600}$/.test(id || '') ? id : null,
  }, el('a', { href: url }, title || url));
}

function embedFigureFrom(node) {
  const link = node.querySelector('a[href]');
  const url = safeHref(link.getAttribute('href'), false);
  if (!url || !/^https?:\/\//i.test(url)) return null;
  const title = link.textContent.replace(/\s+/g, ' ').trim();
  return embedFigure({ provider: node.dataset.embed, id: node.dataset.embedId, url, title });
}

function wordListLevel(node) {
  if (node.localName !== 'p') return 0;
  const match = /mso-list:\s*(l\d+)\s+level(\d+)/.exec(styleOf(node));
  return match ? { list: match[1], level: Math.min(Number(match[2]), 4) } : null;
}

// Tidies one built block: merges split formatting, collapses and trims white space, removes
// stray line breaks. Returns whether anything is left in it.
function finishBlock(block) {
  mergeAdjacent(block);
  block.normalize();
  const texts = [];
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  let atStart = true;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeType === Node.ELEMENT_NODE) {
      if (node.localName === 'br' || node.localName === 'ul' || node.localName === 'ol') atStart = true;
      continue;
    }
    let text = node.data.replace(/\s+/g, ' ');
    if (atStart) text = text.replace(/^ /, '');
    if (text) atStart = text.endsWith(' ');
    node.data = text;
    texts.push(node);
  }
  // Trailing spaces: before a <br>, a nested list or the end.
  for (let i = texts.length - 1; i >= 0; i--) {
    const text = texts[i];
    const following = nextInBlock(text, block);
    if (!following || following.localName === 'br' || following.localName === 'ul' || following.localName === 'ol') {
      text.data = text.data.replace(/ $/, '');
    }
  }
  for (const text of texts) if (!text.data) text.remove();
  for (const wrapper of block.querySelectorAll('strong, em, a')) {
    if (!hasContent(wrapper)) wrapper.replaceWith(...wrapper.childNodes);
  }
  // Line breaks at the start or end, or doubled.
  for (const br of Array.from(block.querySelectorAll('br'))) {
    const before = previousInBlock(br, block);
    const after = nextInBlock(br, block);
    if (!before || !after || before.localName === 'br' || ['ul', 'ol'].includes(after.localName)) br.remove();
  }
  block.normalize();
  return hasContent(block);
}

function mergeAdjacent(root) {
  for (const node of Array.from(root.querySelectorAll('strong, em, a'))) {
    const previous = node.previousSibling;
    if (previous && previous.nodeType === Node.ELEMENT_NODE && previous.localName === node.localName
      && previous.getAttribute('href') === node.getAttribute('href')) {
      previous.append(...node.childNodes);
      node.remove();
    }
  }
}

function isLeaf(node) {
  return node.nodeType === Node.TEXT_NODE ? node.data !== '' : ['br', 'img', 'ul', 'ol'].includes(node.localName);
}

// The nearest text, line break, image or nested list after `node` inside `block`.
function nextInBlock(node, block) {
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  for (let next = walker.nextNode(); next; next = walker.nextNode()) {
    const follows = node.compareDocumentPosition(next) & Node.DOCUMENT_POSITION_FOLLOWING;
    if (follows && !node.contains(next) && isLeaf(next)) return next;
  }
  return null;
}

// The nearest text, line break or image before `node` inside `block`.
function previousInBlock(node, block) {
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  let previous = null;
  for (let next = walker.nextNode(); next && next !== node; next = walker.nextNode()) {
    if (isLeaf(next) && !next.contains(node)) previous = next;
  }
  return previous;
}

function cleanFragment(root, fromPaste) {
  const fragment = document.createDocumentFragment();
  new Cleaner(fromPaste).blocks(root, fragment);
  return fragment;
}

function cleanHtml(html, fromPaste) {
  // Style sheets are dropped and style attributes renamed before parsing: under a CSP without
  // 'unsafe-inline' each would be reported as a violation. The converter still reads the
  // attributes.
  const source = html
    .replace(/<style[\s>][\s\S]*?<\/style\s*>/gi, '')
    .replace(/(<[a-z][^>]*?\s)style\s*=/gi, '$1data-pasted-style=');
  const parsed = new DOMParser().parseFromString(source, 'text/html');
  return cleanFragment(parsed.body, fromPaste);
}

function serialize(fragment) {
  const box = document.createElement('div');
  box.append(fragment);
  return Array.from(box.children, (child) => child.outerHTML).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Plain text

function looksLikeMarkdown(text) {
  if (/<[a-z/!?][^>]*>/i.test(text)) return false;
  return /^ {0,3}(#{1,6} |[-*+] |> |\d{1,3}[.)] )/m.test(text)
    || /(^|[^\w])(\*\*|__)(?=\S)[^\n]*?\S\2(?!\w)/.test(text)
    || /(^|[^\w*])\*(?=[^\s*])[^*\n]*?[^\s*]?\*(?![\w*])/.test(text)
    || /(^|[^\w])_(?=\S)[^_\n]*?\S?_(?!\w)/.test(text)
    || /\[[^\]\n]+\]\([^)\s]+(\s+"[^"\n]*")?\)/.test(text);
}

function paragraphsFromText(text) {
  const fragment = document.createDocumentFragment();
  for (const chunk of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const lines = chunk.split('\n').map((line) => line.trim()).filter(Boolean);
    if (!lines.length) continue;
    const p = el('p');
    lines.forEach((line, i) => {
      if (i) p.append(el('br'));
      p.append(line.replace(/\s+/g, ' '));
    });
    fragment.append(p);
  }
  return fragment;
}

// ---------------------------------------------------------------------------------------------
// Selection as positions that survive replacing the surface's content (undo, restore).

function linearPosition(root, container, offset) {
  let position = 0;
  let found = null;
  const visit = (node) => {
    if (found !== null) return;
    if (node === container && node.nodeType === Node.TEXT_NODE) {
      found = position + offset;
      return;
    }
    if (node.nodeType === Node.TEXT_NODE) {
      position += node.data.length;
      return;
    }
    if (node !== root && node.nodeType === Node.ELEMENT_NODE) {
      if (BLOCK_TAGS.has(node.localName) || node.localName === 'br' || node.localName === 'img') position += 1;
    }
    const children = node.childNodes;
    for (let i = 0; i < children.length; i++) {
      if (node === container && i === offset) {
        found = position;
        return;
      }
      visit(children[i]);
      if (found !== null) return;
    }
    if (node === container) found = position;
  };
  visit(root);
  return found ?? position;
}

function pointAt(root, target) {
  let position = 0;
  let point = null;
  const visit = (node) => {
    if (point) return;
    if (node.nodeType === Node.TEXT_NODE) {
      if (target <= position + node.data.length) point = [node, Math.max(0, target - position)];
      position += node.data.length;
      return;
    }
    if (node !== root && node.nodeType === Node.ELEMENT_NODE) {
      const tag = node.localName;
      if (tag === 'br' || tag === 'img') {
        if (target <= position) point = [node.parentNode, Array.prototype.indexOf.call(node.parentNode.childNodes, node)];
        position += 1;
        return;
      }
      if (BLOCK_TAGS.has(tag)) {
        position += 1;
        if (target <= position && !node.querySelector('*') && !node.textContent) point = [node, 0];
      }
    }
    for (const child of node.childNodes) visit(child);
  };
  visit(root);
  return point || [root, root.childNodes.length];
}

// ---------------------------------------------------------------------------------------------
// The editor

class StoryEditor {
  constructor(form, textarea) {
    this.form = form;
    this.textarea = textarea;
    this.history = [];
    this.historyIndex = -1;
    this.lastRecord = { kind: '', time: 0 };
    this.savedRange = null;
    this.onChange = () => {};

    const label = textarea.id ? document.querySelector(`label[for="${CSS.escape(textarea.id)}"]`) : null;
    if (label && !label.id) label.id = `${textarea.id}-label`;
    this.surface = el('div', {
      id: `${textarea.id || 'body'}-editor`,
      class: 'editor-surface',
      contenteditable: 'true',
      role: 'textbox',
      'aria-multiline': 'true',
      'aria-labelledby': label ? label.id : null,
      'aria-label': label ? null : 'Story',
      'aria-describedby': 'editor-help',
      spellcheck: 'true',
    });
    this.toolbar = this.buildToolbar();
    const help = el('p', {
      id: 'editor-help', class: 'editor-help',
      text: 'Type ## for a heading, > for a quote, - or 1. for a list. Paste from any document; formatting is kept, clutter is removed.',
    });
    this.root = el('div', { class: 'editor' }, this.toolbar, this.surface, help);
    textarea.after(this.root);
    textarea.hidden = true;
    // The hint for typing without the toolbar is for pages where this script did not run.
    for (const hint of form.querySelectorAll('[data-without-toolbar]')) hint.hidden = true;
    if (label) label.addEventListener('click', () => this.surface.focus());

    this.linkDialog = new UrlDialog('editor-link', 'Link', 'Web address',
      'For example https://example.org/report. Leave empty to remove the link.', 'Apply', 'Remove link');
    this.embedDialog = new UrlDialog('editor-embed', 'Embed', 'Address of the post, video, map or chart',
      'From YouTube, Vimeo, X, Instagram, TikTok, Facebook, Bluesky, Mastodon, SoundCloud, Spotify, Google Maps, Datawrapper or Flourish. Readers see a card and load it when they choose.',
      'Insert', null, form.dataset.embedUrl ? (url) => this.checkEmbed(url) : null);
    this.mediaDialog = new MediaDialog(form.dataset.mediaUrl);

    document.execCommand('defaultParagraphSeparator', false, 'p');
    document.execCommand('styleWithCSS', false, false);
    this.load(textarea.value);
    this.record('load');
    this.bindEvents();
  }

  // Content -----------------------------------------------------------------------------------

  load(html) {
    const fragment = cleanHtml(html, false);
    this.surface.replaceChildren(fragment);
    this.prepareLive(this.surface);
    this.ensureParagraph();
    this.textarea.value = this.html();
  }

  html() {
    return serialize(cleanFragment(this.surface, false));
  }

  prepareLive(root) {
    for (const figure of root.querySelectorAll('figure')) {
      figure.contentEditable = 'false';
      if (figure.classList.contains('embed')) continue;
      let caption = figure.querySelector('figcaption');
      if (!caption) caption = figure.appendChild(el('figcaption'));
      caption.contentEditable = 'true';
      caption.dataset.placeholder = 'Add a caption';
    }
  }

  ensureParagraph() {
    const last = this.surface.lastElementChild;
    if (!last || last.localName === 'figure') this.surface.append(el('p', {}, el('br')));
  }

  // Chrome leaves <b>, <i>, <span style>, <div> or bare text behind after some edits; put the
  // live content back into shape without moving the caret.
  tidyLive() {
    const surface = this.surface;
    const stray = Array.from(surface.childNodes).some((n) => (n.nodeType === Node.TEXT_NODE && n.data.trim())
      || (n.nodeType === Node.ELEMENT_NODE && !['p', 'h2', 'h3', 'blockquote', 'ul', 'ol', 'figure'].includes(n.localName)));
    if (!stray && !surface.querySelector('b, i, span, font, div, [style], h1, h4, h5, h6')) return;
    this.keepingSelection((renamed) => {
      for (const node of Array.from(surface.querySelectorAll('b, i, span, font, [style]'))) {
        const style = styleOf(node);
        const bold = node.localName === 'b' || /font-weight:\s*(bold|[6-9]00)/.test(style);
        const italic = node.localName === 'i' || /font-style:\s*italic/.test(style);
        if (['b', 'i', 'span', 'font'].includes(node.localName)) {
          if (bold && !node.parentNode.closest('strong, h2, h3')) renamed(node, rename(node, 'strong'));
          else if (italic && !node.parentNode.closest('em')) renamed(node, rename(node, 'em'));
          else node.replaceWith(...node.childNodes);
        } else {
          node.removeAttribute('style');
        }
      }
      for (const node of Array.from(surface.querySelectorAll('div, h1, h4, h5, h6'))) {
        const tag = node.localName === 'div' ? 'p' : node.localName === 'h1' ? 'h2' : 'h3';
        renamed(node, rename(node, tag));
      }
      let run = null;
      for (const node of Array.from(surface.childNodes)) {
        const block = node.nodeType === Node.ELEMENT_NODE
          && ['p', 'h2', 'h3', 'blockquote', 'ul', 'ol', 'figure'].includes(node.localName);
        if (block) {
          run = null;
        } else if (node.nodeType === Node.TEXT_NODE || node.nodeType === Node.ELEMENT_NODE) {
          if (!run) {
            run = el('p');
            node.before(run);
          }
          run.append(node);
        }
      }
    });
  }

  // Runs `change`, then puts the selection back where it was. Text nodes survive moves; elements
  // replaced through `renamed(old, new)` are followed.
  keepingSelection(change) {
    const selection = window.getSelection();
    const range = selection.rangeCount ? selection.getRangeAt(0) : null;
    const inside = range && this.surface.contains(range.startContainer);
    const saved = inside ? [range.startContainer, range.startOffset, range.endContainer, range.endOffset] : null;
    const map = new Map();
    change((from, to) => {
      if (from !== to) map.set(from, to);
    });
    if (!saved) return;
    const follow = (node) => {
      while (map.has(node)) node = map.get(node);
      return node;
    };
    const start = follow(saved[0]);
    const end = follow(saved[2]);
    if (!this.surface.contains(start) || !this.surface.contains(end)) return;
    const clamp = (node, offset) => Math.min(offset, node.nodeType === Node.TEXT_NODE ? node.data.length : node.childNodes.length);
    const restored = document.createRange();
    restored.setStart(start, clamp(start, saved[1]));
    restored.setEnd(end, clamp(end, saved[3]));
    selection.removeAllRanges();
    selection.addRange(restored);
  }

  // Called after every change to the surface.
  changed(kind) {
    this.tidyLive();
    this.ensureParagraph();
    this.textarea.value = this.html();
    this.record(kind);
    this.updateToolbar();
    this.onChange();
  }

  // History ----------------------------------------------------------------------------------

  record(kind) {
    const now = Date.now();
    const snapshot = { html: this.surface.innerHTML, selection: this.selectionPositions() };
    const current = this.history[this.historyIndex];
    if (current && current.html === snapshot.html) {
      current.selection = snapshot.selection;
      return;
    }
    const typing = kind === 'typing' && this.lastRecord.kind === 'typing' && now - this.lastRecord.time < 1500;
    this.history.length = this.historyIndex + 1;
    if (typing) this.history[this.historyIndex] = snapshot;
    else this.history.push(snapshot);
    if (this.history.length > 300) this.history.shift();
    this.historyIndex = this.history.length - 1;
    this.lastRecord = { kind, time: now };
  }

  undo() { this.travel(-1); }

  redo() { this.travel(1); }

  travel(step) {
    const target = this.history[this.historyIndex + step];
    if (!target) return;
    this.historyIndex += step;
    this.surface.innerHTML = target.html;
    this.surface.focus();
    this.selectPositions(target.selection);
    this.lastRecord = { kind: 'history', time: 0 };
    this.textarea.value = this.html();
    this.updateToolbar();
    this.onChange();
  }

  selectionPositions() {
    const selection = window.getSelection();
    if (!selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    if (!this.surface.contains(range.startContainer)) return null;
    return [
      linearPosition(this.surface, range.startContainer, range.startOffset),
      linearPosition(this.surface, range.endContainer, range.endOffset),
    ];
  }

  selectPositions(positions) {
    if (!positions) return;
    const range = document.createRange();
    range.setStart(...pointAt(this.surface, positions[0]));
    range.setEnd(...pointAt(this.surface, positions[1]));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // Selection helpers -------------------------------------------------------------------------

  range() {
    const selection = window.getSelection();
    if (selection.rangeCount && this.surface.contains(selection.getRangeAt(0).commonAncestorContainer)) {
      return selection.getRangeAt(0);
    }
    return null;
  }

  // Puts focus and the last known selection back in the surface (after a toolbar click or a
  // dialog), placing the caret at the end when there was none.
  focusSurface() {
    if (document.activeElement !== this.surface) this.surface.focus({ preventScroll: true });
    if (this.range()) return this.range();
    const selection = window.getSelection();
    selection.removeAllRanges();
    if (this.savedRange && this.surface.contains(this.savedRange.startContainer)) {
      selection.addRange(this.savedRange);
    } else {
      const range = document.createRange();
      range.selectNodeContents(this.surface.lastElementChild || this.surface);
      range.collapse(false);
      selection.addRange(range);
    }
    return this.range();
  }

  // Whether the caret is in an empty paragraph.
  onEmptyLine() {
    const range = this.range();
    if (!range || !range.collapsed) return false;
    const top = this.topBlock(range.startContainer);
    return !!top && top.localName === 'p' && !hasContent(top);
  }

  topBlock(node) {
    while (node && node.parentNode !== this.surface) node = node.parentNode;
    return node;
  }

  // The paragraphs, headings and list items the selection touches.
  selectedBlocks() {
    const range = this.focusSurface();
    if (!range) return [];
    const blocks = Array.from(this.surface.querySelectorAll(TEXT_BLOCKS)).filter((block) => range.intersectsNode(block)
      && !block.closest('figure'));
    const nested = blocks.filter((block) => !blocks.some((other) => other !== block && block.contains(other)));
    if (nested.length) return nested;
    const start = range.startContainer.nodeType === Node.ELEMENT_NODE ? range.startContainer : range.startContainer.parentNode;
    const own = start.closest(TEXT_BLOCKS);
    return own && this.surface.contains(own) ? [own] : [];
  }

  // Moves `child` out of its list or quote, splitting the container around it.
  liftOut(child) {
    const container = child.parentNode;
    const rest = container.cloneNode(false);
    while (child.nextSibling) rest.append(child.nextSibling);
    container.after(child);
    if (rest.firstChild) child.after(rest);
    if (!container.firstChild) container.remove();
    return child;
  }

  // Block formats -----------------------------------------------------------------------------

  setBlock(tag) {
    const blocks = this.selectedBlocks();
    this.keepingSelection((renamed) => {
      for (let block of blocks) {
        block = this.toTopLevel(block, renamed);
        renamed(block, rename(block, tag));
      }
    });
    this.changed('format');
  }

  // Lifts a paragraph or list item out of quotes and lists; returns the top-level block.
  toTopLevel(block, renamed) {
    while (block.parentNode !== this.surface) {
      const container = block.parentNode;
      if (block.localName === 'li') {
        const nestedLists = Array.from(block.children).filter((c) => c.localName === 'ul' || c.localName === 'ol');
        this.liftOut(block);
        const p = rename(block, 'p');
        renamed(block, p);
        p.after(...nestedLists);
        block = p;
      } else if (container.localName === 'li') {
        block = this.liftOut(block);
      } else {
        this.liftOut(block);
      }
    }
    return block;
  }

  toggleQuote() {
    const blocks = this.selectedBlocks();
    if (!blocks.length) return;
    const allQuoted = blocks.every((block) => block.closest('blockquote'));
    this.keepingSelection((renamed) => {
      const tops = blocks.map((block) => {
        const top = this.toTopLevel(block, renamed);
        const p = rename(top, 'p');
        renamed(top, p);
        return p;
      });
      if (allQuoted) return;
      let quote = null;
      for (const block of tops) {
        if (!quote || block.previousSibling !== quote) {
          quote = el('blockquote');
          block.before(quote);
        }
        quote.append(block);
      }
    });
    this.changed('format');
  }

  toggleList(tag) {
    const blocks = this.selectedBlocks();
    if (!blocks.length) return;
    const lists = blocks.map((block) => (block.localName === 'li' ? block.parentNode : null));
    this.keepingSelection((renamed) => {
      if (lists.every((list) => list && list.localName === tag)) {
        for (const block of blocks) this.toTopLevel(block, renamed);
        return;
      }
      if (lists.every((list) => list)) {
        for (const list of new Set(lists)) renamed(list, rename(list, tag));
        return;
      }
      let list = null;
      for (const block of blocks) {
        const top = this.toTopLevel(block, renamed);
        if (top.localName === 'ul' || top.localName === 'ol') continue;
        const item = rename(top, 'li');
        renamed(top, item);
        if (!list || item.previousSibling !== list) {
          list = el(tag);
          item.before(list);
        }
        list.append(item);
      }
    });
    this.changed('format');
  }

  inline(command) {
    this.focusSurface();
    document.execCommand(command);
    this.changed('format');
  }

  // Inserts block elements at the selection: the current block is split at the caret and the
  // new blocks go between its halves.
  insertBlocks(fragment) {
    const range = this.focusSurface();
    if (!range || !fragment.firstChild) return;
    const blocks = Array.from(fragment.children);
    const single = blocks.length === 1 && blocks[0].localName === 'p';
    const startBlock = (range.startContainer.nodeType === Node.ELEMENT_NODE ? range.startContainer : range.startContainer.parentNode).closest(TEXT_BLOCKS);
    if (single && startBlock && !startBlock.closest('figure')) {
      range.deleteContents();
      const nodes = Array.from(blocks[0].childNodes);
      range.insertNode(moveChildren(blocks[0]));
      const last = nodes[nodes.length - 1];
      if (last) this.caretAfter(last);
      this.changed('insert');
      return;
    }
    range.deleteContents();
    const top = this.topBlock(range.startContainer);
    const mergeable = (node) => node && ['p', 'h2', 'h3'].includes(node.localName) && hasContent(node);
    let caret = null;
    if (!top) {
      this.surface.append(...blocks);
    } else if (top.localName === 'figure') {
      top.after(...blocks);
    } else {
      const tail = document.createRange();
      tail.setStart(range.startContainer, range.startOffset);
      tail.setEndAfter(top);
      const rest = tail.extractContents().firstElementChild;
      // The first pasted paragraph continues the text before the caret, the last one runs
      // into the text after it.
      let last = top;
      if (mergeable(top) && blocks[0].localName === 'p') top.append(moveChildren(blocks.shift()));
      top.after(...blocks);
      if (blocks.length) last = blocks[blocks.length - 1];
      if (!hasContent(top) && blocks.length) top.remove();
      caret = last.localName === 'figure' ? null : last.lastChild;
      if (rest && mergeable(rest) && last.localName !== 'figure' && last.localName !== 'ul' && last.localName !== 'ol') {
        last.append(...rest.childNodes);
      } else if (rest && hasContent(rest)) {
        last.after(rest);
      }
      if (last.localName !== 'figure') blocks.push(last);
    }
    this.prepareLive(this.surface);
    this.ensureParagraph();
    const last = blocks[blocks.length - 1];
    if (caret) {
      this.caretAfter(caret);
    } else if (last && last.localName === 'figure') {
      let after = last.nextElementSibling;
      if (!after || after.localName !== 'p' || hasContent(after)) {
        after = el('p', {}, el('br'));
        last.after(after);
      }
      this.caretAt(after, 0);
    } else if (last) {
      const end = document.createRange();
      end.selectNodeContents(last);
      end.collapse(false);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(end);
    }
    this.changed('insert');
  }

  caretAt(node, offset) {
    const range = document.createRange();
    range.setStart(node, offset);
    range.collapse(true);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  caretAfter(node) {
    const range = document.createRange();
    range.setStartAfter(node);
    range.collapse(true);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // Links, embeds, images ---------------------------------------------------------------------

  async editLink() {
    const range = this.focusSurface();
    if (!range) return;
    const saved = range.cloneRange();
    const start = range.startContainer.nodeType === Node.ELEMENT_NODE ? range.startContainer : range.startContainer.parentNode;
    const existing = start.closest('a');
    const answer = await this.linkDialog.ask(existing ? existing.getAttribute('href') : '', !!existing);
    this.surface.focus({ preventScroll: true });
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(saved);
    if (answer === null) return;
    if (answer === '') {
      if (existing) existing.replaceWith(...existing.childNodes);
      else document.execCommand('unlink');
    } else if (existing) {
      existing.setAttribute('href', answer);
    } else if (saved.collapsed) {
      const link = el('a', { href: answer }, answer);
      saved.insertNode(link);
      this.caretAfter(link);
    } else {
      document.execCommand('createLink', false, answer);
    }
    this.changed('format');
  }

  async insertEmbed() {
    const range = this.focusSurface();
    const saved = range && range.cloneRange();
    const answer = await this.embedDialog.ask('', false);
    this.surface.focus({ preventScroll: true });
    if (saved) {
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(saved);
    }
    if (!answer) return;
    const fragment = document.createDocumentFragment();
    // Without the server's check (an old page), a link on its own line: the server makes an
    // embed of it when it is one.
    fragment.append(typeof answer === 'object' ? embedFigure(answer) : el('p', {}, el('a', { href: answer }, answer)));
    this.insertBlocksAfterCurrent(fragment);
  }

  // The provider and id of an address, or the server's sentence saying why it is not an embed.
  async checkEmbed(url) {
    try {
      const response = await fetch(this.form.dataset.embedUrl, {
        method: 'POST',
        headers: { 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
        body: new URLSearchParams({ url }),
        credentials: 'same-origin',
      });
      const json = await response.json();
      if (response.ok && typeof json.provider === 'string') return json;
      if (typeof json.error === 'string') return json.error;
    } catch {
      // Reported below.
    }
    return 'The address could not be checked. Check the connection and try again.';
  }

  async insertImage() {
    const range = this.focusSurface();
    const saved = range && range.cloneRange();
    const image = await this.mediaDialog.choose();
    this.surface.focus({ preventScroll: true });
    if (saved) {
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(saved);
    }
    if (!image) return;
    const img = el('img', {
      src: image.url, srcset: image.srcset || null, sizes: image.sizes || null, alt: image.alt || '',
      width: image.width || null, height: image.height || null,
    });
    const figure = el('figure', {}, img);
    if (image.caption) figure.append(el('figcaption', { text: image.caption }));
    const fragment = document.createDocumentFragment();
    fragment.append(figure);
    this.insertBlocksAfterCurrent(fragment);
  }

  // Embeds and images go after the current block, never inside it.
  insertBlocksAfterCurrent(fragment) {
    const range = this.focusSurface();
    const top = range && this.topBlock(range.startContainer);
    if (top && top.localName !== 'figure' && hasContent(top)) {
      const range2 = document.createRange();
      range2.selectNodeContents(top);
      range2.collapse(false);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range2);
    }
    this.insertBlocks(fragment);
  }

  // Paste ------------------------------------------------------------------------------------

  async paste(event) {
    const data = event.clipboardData;
    if (!data) return;
    const inCaption = event.target.closest && event.target.closest('figcaption');
    event.preventDefault();
    const html = data.getData('text/html');
    const text = data.getData('text/plain');
    if (inCaption) {
      document.execCommand('insertText', false, (text || '').replace(/\s+/g, ' '));
      return;
    }
    // An address pasted on a line of its own is an embed when it is a provider's post.
    const address = (text || '').trim();
    if (this.form.dataset.embedUrl && /^https?:\/\/\S+$/i.test(address) && this.onEmptyLine()) {
      const positions = this.selectionPositions();
      const answer = await this.checkEmbed(address);
      this.surface.focus({ preventScroll: true });
      this.selectPositions(positions);
      if (typeof answer === 'object') {
        const fragment = document.createDocumentFragment();
        fragment.append(embedFigure(answer));
        this.insertBlocks(fragment);
        return;
      }
    }
    if (html && html.trim()) {
      this.insertBlocks(cleanHtml(html, true));
      return;
    }
    if (!text) return;
    if (looksLikeMarkdown(text) && this.form.dataset.markdownUrl) {
      const positions = this.selectionPositions();
      this.setBusy(true);
      try {
        const converted = await this.convertMarkdown(text);
        this.surface.focus({ preventScroll: true });
        this.selectPositions(positions);
        this.insertBlocks(cleanHtml(converted, false));
        return;
      } catch {
        this.surface.focus({ preventScroll: true });
        this.selectPositions(positions);
      } finally {
        this.setBusy(false);
      }
    }
    this.insertBlocks(paragraphsFromText(text));
  }

  async convertMarkdown(text) {
    const response = await fetch(this.form.dataset.markdownUrl, {
      method: 'POST',
      headers: { 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
      body: new URLSearchParams({ text }),
      credentials: 'same-origin',
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const json = await response.json();
    if (typeof json.html !== 'string') throw new Error('no html');
    return json.html;
  }

  setBusy(busy) {
    this.surface.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  // Typing -----------------------------------------------------------------------------------

  // Markdown typed at the start of a paragraph, and **bold**, *italic* or _italic_ when closed.
  markdownShortcut(event) {
    if (event.inputType !== 'insertText' || !event.data) return false;
    const range = this.range();
    if (!range || !range.collapsed || range.startContainer.nodeType !== Node.TEXT_NODE) return false;
    const textNode = range.startContainer;
    const offset = range.startOffset;
    const block = textNode.parentNode.closest(TEXT_BLOCKS);
    if (!block || block.closest('figure')) return false;

    if (event.data === ' ' && block.localName === 'p' && block.parentNode === this.surface) {
      const before = document.createRange();
      before.setStart(block, 0);
      before.setEnd(textNode, offset);
      const marker = before.toString().replace(/\u00a0/g, ' ');
      const action = { '# ': 'h2', '## ': 'h2', '### ': 'h3', '> ': 'quote', '- ': 'ul', '* ': 'ul', '1. ': 'ol', '1) ': 'ol' }[marker];
      if (!action) return false;
      this.record('typing');
      before.deleteContents();
      if (!block.textContent) block.replaceChildren(el('br'));
      this.caretAt(block.firstChild.nodeType === Node.TEXT_NODE ? block.firstChild : block, 0);
      this.lastRecord = { kind: 'shortcut', time: 0 };
      if (action === 'quote') this.toggleQuote();
      else if (action === 'ul' || action === 'ol') this.toggleList(action);
      else this.setBlock(action);
      return true;
    }

    if (!'*_'.includes(event.data)) return false;
    const text = textNode.data.slice(0, offset);
    const bold = /(^|[^\w*])\*\*([^*\s](?:[^*]*[^*\s])?)\*\*$/.exec(text)
      || /(^|[^\w_])__([^_\s](?:[^_]*[^_\s])?)__$/.exec(text);
    const italic = !bold && (/(^|[^\w*])\*([^*\s](?:[^*]*[^*\s])?)\*$/.exec(text)
      || /(^|[^\w_])_([^_\s](?:[^_]*[^_\s])?)_$/.exec(text));
    const match = bold || italic;
    if (!match) return false;
    const tag = bold ? 'strong' : 'em';
    if (textNode.parentNode.closest(tag)) return false;
    this.record('typing');
    const start = match.index + match[1].length;
    const after = textNode.splitText(offset);
    textNode.data = text.slice(0, start);
    const wrapper = el(tag, {}, match[2]);
    textNode.after(wrapper);
    // A zero-width space after the new element keeps what is typed next outside it; the
    // converter drops it.
    if (!after.data) after.data = '\u200b';
    this.caretAt(after, after.data.startsWith('\u200b') ? 1 : 0);
    this.lastRecord = { kind: 'shortcut', time: 0 };
    this.changed('shortcut');
    return true;
  }

  keydown(event) {
    const mod = IS_MAC ? event.metaKey : event.ctrlKey;
    if (event.key === 'Enter' && event.target.closest && event.target.closest('figcaption')) {
      // A caption is one line; Enter continues in the paragraph after the image.
      event.preventDefault();
      const figure = event.target.closest('figure');
      let after = figure.nextElementSibling;
      if (!after || after.localName !== 'p') {
        after = el('p', {}, el('br'));
        figure.after(after);
      }
      this.surface.focus();
      this.caretAt(after, 0);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !mod && this.leaveQuote()) {
      event.preventDefault();
      return;
    }
    if (!mod) return;
    const key = event.key.toLowerCase();
    let command = null;
    if (event.altKey && !event.shiftKey) {
      command = { Digit0: 'paragraph', Digit2: 'h2', Digit3: 'h3', Numpad0: 'paragraph', Numpad2: 'h2', Numpad3: 'h3' }[event.code];
    } else if (event.shiftKey && !event.altKey) {
      command = { Digit7: 'ol', Digit8: 'ul', Digit9: 'quote' }[event.code] || (key === 'z' ? 'redo' : null);
    } else if (!event.altKey) {
      command = { b: 'bold', i: 'italic', k: 'link', z: 'undo', y: 'redo' }[key];
    }
    if (!command) return;
    event.preventDefault();
    this.run(command);
  }

  // Enter on an empty last paragraph of a quote ends the quote.
  leaveQuote() {
    const range = this.range();
    if (!range || !range.collapsed) return false;
    const node = range.startContainer.nodeType === Node.ELEMENT_NODE ? range.startContainer : range.startContainer.parentNode;
    const p = node.closest('p');
    const quote = p && p.parentNode;
    if (!quote || quote.localName !== 'blockquote' || hasContent(p) || p.nextSibling) return false;
    quote.after(p);
    if (!quote.firstChild) quote.remove();
    this.caretAt(p, 0);
    this.changed('format');
    return true;
  }

  run(command) {
    switch (command) {
      case 'bold': return this.inline('bold');
      case 'italic': return this.inline('italic');
      case 'link': return this.editLink();
      case 'paragraph': return this.setBlock('p');
      case 'h2': return this.setBlock('h2');
      case 'h3': return this.setBlock('h3');
      case 'quote': return this.toggleQuote();
      case 'ul': return this.toggleList('ul');
      case 'ol': return this.toggleList('ol');
      case 'image': return this.insertImage();
      case 'embed': return this.insertEmbed();
      case 'undo': return this.undo();
      case 'redo': return this.redo();
      default: return undefined;
    }
  }

  // Toolbar ----------------------------------------------------------------------------------

  buildToolbar() {
    const toolbar = el('div', { class: 'editor-toolbar', role: 'toolbar', 'aria-label': 'Formatting', 'aria-controls': this.surface.id });
    let group = el('div', { class: 'editor-toolbar__group', role: 'group' });
    toolbar.append(group);
    const mac = (shortcut) => (IS_MAC ? shortcut.replace('Control', 'Meta') : shortcut);
    const readable = (shortcut) => (IS_MAC
      ? shortcut.replace('Control+', '⌘').replace('Alt+', '⌥').replace('Shift+', '⇧')
      : shortcut.replace('Control', 'Ctrl'));
    for (const entry of TOOLBAR) {
      if (!entry) {
        group = el('div', { class: 'editor-toolbar__group', role: 'group' });
        toolbar.append(group);
        continue;
      }
      const [command, name, face] = entry;
      const shortcut = SHORTCUTS[command];
      const toggles = !['link', 'image', 'embed', 'undo', 'redo'].includes(command);
      const button = el('button', {
        type: 'button',
        class: `editor-button editor-button--${command}`,
        'data-command': command,
        'aria-label': name,
        'aria-pressed': toggles ? 'false' : null,
        'aria-keyshortcuts': shortcut ? mac(shortcut) : null,
        title: shortcut ? `${name} (${readable(shortcut)})` : name,
        tabindex: '-1',
      }, el('span', { 'aria-hidden': 'true', text: face }));
      group.append(button);
    }
    toolbar.querySelector('button').tabIndex = 0;
    // Keep the selection in the surface when a button is clicked.
    toolbar.addEventListener('mousedown', (event) => {
      if (event.target.closest('button')) event.preventDefault();
    });
    toolbar.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-command]');
      if (!button) return;
      this.rove(button);
      this.run(button.dataset.command);
    });
    toolbar.addEventListener('keydown', (event) => {
      const buttons = Array.from(toolbar.querySelectorAll('button'));
      const index = buttons.indexOf(document.activeElement);
      if (index < 0) return;
      const next = {
        ArrowRight: index + 1, ArrowDown: index + 1, ArrowLeft: index - 1, ArrowUp: index - 1,
        Home: 0, End: buttons.length - 1,
      }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      this.rove(buttons[(next + buttons.length) % buttons.length], true);
    });
    return toolbar;
  }

  rove(button, focus = false) {
    for (const other of this.toolbar.querySelectorAll('button')) other.tabIndex = other === button ? 0 : -1;
    if (focus) button.focus();
  }

  updateToolbar() {
    const range = this.range();
    if (!range) return;
    const node = range.startContainer.nodeType === Node.ELEMENT_NODE ? range.startContainer : range.startContainer.parentNode;
    const top = this.topBlock(node);
    const list = node.closest('ul, ol');
    const state = {
      bold: !!node.closest('strong, b'),
      italic: !!node.closest('em, i'),
      paragraph: !!top && top.localName === 'p',
      h2: !!top && top.localName === 'h2',
      h3: !!top && top.localName === 'h3',
      quote: !!node.closest('blockquote'),
      ul: !!list && list.localName === 'ul' && this.surface.contains(list),
      ol: !!list && list.localName === 'ol' && this.surface.contains(list),
    };
    for (const [command, pressed] of Object.entries(state)) {
      const button = this.toolbar.querySelector(`[data-command="${command}"]`);
      button.setAttribute('aria-pressed', String(pressed));
    }
    this.toolbar.querySelector('[data-command="undo"]').disabled = this.historyIndex <= 0;
    this.toolbar.querySelector('[data-command="redo"]').disabled = this.historyIndex >= this.history.length - 1;
  }

  // Events -----------------------------------------------------------------------------------

  bindEvents() {
    const surface = this.surface;
    surface.addEventListener('keydown', (event) => this.keydown(event));
    surface.addEventListener('beforeinput', (event) => {
      if (event.inputType === 'historyUndo' || event.inputType === 'historyRedo') {
        event.preventDefault();
        if (event.inputType === 'historyUndo') this.undo();
        else this.redo();
      }
    });
    surface.addEventListener('input', (event) => {
      if (this.markdownShortcut(event)) return;
      this.changed(event.inputType === 'insertText' ? 'typing' : 'edit');
    });
    surface.addEventListener('paste', (event) => this.paste(event));
    // An embed's link shows which post it is; following it from the editor would leave the page.
    surface.addEventListener('click', (event) => {
      if (event.target.closest && event.target.closest('figure.embed a')) event.preventDefault();
    });
    surface.addEventListener('drop', (event) => {
      // Dropped files and foreign markup would bypass the converter.
      const html = event.dataTransfer && event.dataTransfer.getData('text/html');
      if (event.dataTransfer && event.dataTransfer.files.length) event.preventDefault();
      else if (html) {
        event.preventDefault();
        const position = document.caretPositionFromPoint
          ? document.caretPositionFromPoint(event.clientX, event.clientY) : null;
        if (position) this.caretAt(position.offsetNode, position.offset);
        this.insertBlocks(cleanHtml(html, true));
      }
    });
    document.addEventListener('selectionchange', () => {
      const range = this.range();
      if (!range) return;
      this.savedRange = range.cloneRange();
      this.updateToolbar();
    });
    this.form.addEventListener('submit', () => {
      this.textarea.value = this.html();
    }, true);
  }
}

function moveChildren(node) {
  const fragment = document.createDocumentFragment();
  while (node.firstChild) fragment.append(node.firstChild);
  return fragment;
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

// ---------------------------------------------------------------------------------------------
// Dialogs

class UrlDialog {
  // `check`, when given, is asked about the address: it answers with what to insert, or with a
  // sentence saying what is wrong.
  constructor(id, title, label, hint, confirm, remove, check = null) {
    this.check = check;
    this.input = el('input', {
      id: `${id}-url`, type: 'text', inputmode: 'url', autocomplete: 'url', spellcheck: 'false',
      'aria-describedby': `${id}-hint ${id}-error`,
    });
    this.error = el('p', { id: `${id}-error`, class: 'editor-dialog__error', 'aria-live': 'assertive' });
    this.removeButton = remove ? el('button', { type: 'button', class: 'editor-dialog__secondary', 'data-action': 'remove', text: remove }) : null;
    const cancel = el('button', { type: 'button', class: 'editor-dialog__secondary', 'data-action': 'cancel', text: 'Cancel' });
    this.form = el('form', { method: 'dialog', novalidate: true },
      el('h2', { id: `${id}-title`, class: 'editor-dialog__title', text: title }),
      el('label', { for: this.input.id, text: label }),
      this.input,
      el('p', { id: `${id}-hint`, class: 'editor-dialog__hint', text: hint }),
      this.error,
      el('div', { class: 'editor-dialog__actions' },
        el('button', { type: 'submit', class: 'editor-dialog__primary', text: confirm }),
        ...(this.removeButton ? [this.removeButton] : []),
        cancel));
    this.dialog = el('dialog', { id, class: 'editor-dialog', 'aria-labelledby': `${id}-title` }, this.form);
    document.body.append(this.dialog);
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = this.input.value.trim();
      if (!value) return this.finish('');
      const url = normalizeUrl(value);
      if (!url) {
        this.error.textContent = 'This is not a web address. Use one like https://example.org/page.';
        this.input.setAttribute('aria-invalid', 'true');
        this.input.focus();
        return undefined;
      }
      if (!this.check) return this.finish(url);
      this.check(url).then((answer) => {
        if (!this.resolve) return;
        if (typeof answer === 'string') {
          this.error.textContent = answer;
          this.input.setAttribute('aria-invalid', 'true');
          this.input.focus();
        } else {
          this.finish(answer);
        }
      });
      return undefined;
    });
    cancel.addEventListener('click', () => this.finish(null));
    if (this.removeButton) this.removeButton.addEventListener('click', () => this.finish(''));
    this.dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      this.finish(null);
    });
  }

  ask(value, editing) {
    this.input.value = value;
    this.error.textContent = '';
    this.input.removeAttribute('aria-invalid');
    if (this.removeButton) this.removeButton.hidden = !editing;
    this.dialog.showModal();
    this.input.focus();
    this.input.select();
    return new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  finish(value) {
    if (this.dialog.open) this.dialog.close();
    if (this.resolve) this.resolve(value);
    this.resolve = null;
  }
}

function normalizeUrl(value) {
  if (/\s/.test(value)) return null;
  if (/^(https?:\/\/[^/]+|mailto:.+@|tel:\+?[\d\s().-]+$)/i.test(value)) return value;
  if (/^\/(?!\/)/.test(value)) return value;
  if (/^[\w-]+(\.[\w-]+)+(\/|$|[?#:])/.test(value)) return `https://${value}`;
  if (/^[^@\s]+@[\w-]+(\.[\w-]+)+$/.test(value)) return `mailto:${value}`;
  return null;
}

class MediaDialog {
  constructor(url) {
    this.url = url;
    this.status = el('p', { class: 'editor-dialog__hint', role: 'status' });
    this.list = el('ul', { class: 'editor-media', 'aria-labelledby': 'editor-media-title' });
    const cancel = el('button', { type: 'button', class: 'editor-dialog__secondary', text: 'Cancel' });
    this.dialog = el('dialog', { id: 'editor-media', class: 'editor-dialog editor-dialog--wide', 'aria-labelledby': 'editor-media-title' },
      el('h2', { id: 'editor-media-title', class: 'editor-dialog__title', text: 'Insert an image' }),
      this.status, this.list,
      el('div', { class: 'editor-dialog__actions' }, cancel));
    document.body.append(this.dialog);
    cancel.addEventListener('click', () => this.finish(null));
    this.dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      this.finish(null);
    });
    this.list.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-index]');
      if (button) this.finish(this.images[Number(button.dataset.index)]);
    });
  }

  choose() {
    this.images = [];
    this.list.replaceChildren();
    this.status.textContent = 'Loading images…';
    this.dialog.showModal();
    this.dialog.querySelector('button').focus();
    this.load();
    return new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  async load() {
    try {
      const response = await fetch(this.url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (response.status === 401) throw new Error('You are signed out. Sign in again in another tab, then try again.');
      if (!response.ok) throw new Error(`The image library did not answer (error ${response.status}). Try again in a moment.`);
      const images = await response.json();
      this.images = Array.isArray(images) ? images.filter((image) => image && image.url) : [];
    } catch (error) {
      this.status.textContent = error instanceof SyntaxError || error instanceof TypeError
        ? 'The image library could not be loaded. Check your connection and try again.' : error.message;
      return;
    }
    if (!this.dialog.open) return;
    this.status.textContent = this.images.length
      ? `${this.images.length} ${this.images.length === 1 ? 'image' : 'images'}. Choose one to insert it.`
      : 'The image library is empty. Upload images first.';
    this.list.replaceChildren(...this.images.map((image, index) => {
      const name = image.caption || image.alt || 'Image without description';
      return el('li', {},
        el('button', { type: 'button', class: 'editor-media__choice', 'data-index': index },
          el('img', { src: image.thumb || image.url, alt: '', width: 160, height: image.width && image.height ? Math.round(160 * image.height / image.width) : null, loading: 'lazy' }),
          el('span', { class: 'editor-media__name', text: name })));
    }));
    const first = this.list.querySelector('button');
    if (first) first.focus();
  }

  finish(image) {
    if (this.dialog.open) this.dialog.close();
    if (this.resolve) this.resolve(image);
    this.resolve = null;
  }
}

// ---------------------------------------------------------------------------------------------
// Autosave: to this browser on every change, to the server shortly after.

const AUTOSAVE_DELAY = 3000;
const AUTOSAVE_MAX_WAIT = 15000;
const RETRY_DELAY = 30000;

class Autosave {
  constructor(form, editor) {
    this.form = form;
    this.editor = editor;
    this.status = document.getElementById('autosave-status');
    this.lockWarning = document.getElementById('lock-warning');
    this.serverSavedAt = form.dataset.savedAt || '';
    this.version = 0;
    this.savedVersion = 0;
    this.localOk = true;
    this.firstUnsaved = 0;
    this.timer = null;
    this.inFlight = null;
    this.submitting = false;
    // One clock in the whole admin: 24 hours, in the site's time zone like the server's times.
    const clock = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    this.timeFormat = dateFormat(clock, form.dataset.timezone);
    this.dayFormat = dateFormat({ day: 'numeric', month: 'short', ...clock }, form.dataset.timezone);

    this.dayKey = dateFormat({ year: 'numeric', month: '2-digit', day: '2-digit' }, form.dataset.timezone);
    // Pages without a key of their own (older pages, the fixture) make one.
    if (['', 'new'].includes(form.dataset.storyKey || '')) this.adoptKey(`new-${randomKey()}`);
    this.forgetSavedCopy();
    if (this.serverSavedAt) this.say(`Last saved ${this.time(this.serverSavedAt)}`);
    this.restore();
    if (this.isNew) this.offerUnsaved();
    editor.onChange = () => this.changed();
    form.addEventListener('input', (event) => {
      if (!editor.root.contains(event.target)) this.changed();
    });
    form.addEventListener('change', (event) => {
      if (!editor.root.contains(event.target)) this.changed();
    });
    form.addEventListener('submit', (event) => {
      // Preview opens in another tab: this page stays and keeps autosaving.
      if (event.submitter && event.submitter.formTarget === '_blank') return;
      // The form itself saves now: no autosave may race it (a new story would be made twice).
      this.submitting = true;
      clearTimeout(this.timer);
      if (this.inFlight && this.isNew) {
        // An autosave is making the story this moment: the form goes to that story once it
        // is answered.
        event.preventDefault();
        if (this.submitWaiting) return;
        this.submitWaiting = true;
        this.say('Saving…');
        const submitter = event.submitter && event.submitter.form === form ? event.submitter : undefined;
        this.saveDone.then(() => {
          this.submitWaiting = false;
          form.requestSubmit(submitter);
        });
        return;
      }
      this.writeLocal({ submitted: true });
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden' && this.version > this.savedVersion) this.save(true);
    });
    window.addEventListener('beforeunload', (event) => {
      if (this.submitting || this.version <= this.savedVersion || this.localOk) return;
      event.preventDefault();
      event.returnValue = '';
    });
  }

  get key() {
    return `${COPY_PREFIX}${this.form.dataset.storyKey}`;
  }

  // A story or page the server has not created yet: its copy is keyed `new-…`, one key per
  // form. Saved ones are keyed by id: `42` for a story, `page-42` for a page.
  get isNew() {
    return !SAVED_COPY_KEY.test(this.form.dataset.storyKey || '');
  }

  // What the form edits (`data-copy-kind`): copies of new stories are never offered on a new
  // page's form, nor the other way round.
  get kind() {
    return this.form.dataset.copyKind || 'story';
  }

  adoptKey(key) {
    this.form.dataset.storyKey = key;
    const field = this.form.elements.namedItem('copy_key');
    if (field && 'value' in field) field.value = key;
  }

  // After the form saved a new story the server names its copy (`?saved_copy=new-…`): the
  // server holds that text now, so the copy goes, and so does the parameter.
  forgetSavedCopy() {
    const url = new URL(location.href);
    const saved = url.searchParams.get('saved_copy');
    if (saved === null) return;
    if (NEW_COPY_KEY.test(saved)) this.removeLocal(`${COPY_PREFIX}${saved}`);
    url.searchParams.delete('saved_copy');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }

  // Copies of other new stories that the server never acknowledged (the session ended, the
  // browser closed, a save failed). Never merged into this form: offered one at a time.
  unsavedCopies() {
    const copies = [];
    let keys = [];
    try {
      keys = Object.keys(localStorage);
    } catch {
      return copies;
    }
    for (const key of keys) {
      const name = key.slice(COPY_PREFIX.length);
      if (!key.startsWith(COPY_PREFIX) || key === this.key) continue;
      if (name !== 'new' && !NEW_COPY_KEY.test(name)) continue;
      const copy = this.readLocal(key);
      if (copy && (copy.kind || 'story') !== this.kind) continue;
      // Earlier versions kept every new story's copy under `new`, even once it was saved.
      const empty = !copy || !(copy.title || '').trim() && !(copy.excerpt || '').trim()
        && !textOf(copy.body);
      if (empty || (name === 'new' && copy.submitted)) {
        this.removeLocal(key);
        continue;
      }
      copies.push({ key, copy });
    }
    return copies.sort((a, b) => (Date.parse(b.copy.savedAt) || 0) - (Date.parse(a.copy.savedAt) || 0));
  }

  offerUnsaved() {
    const [offer] = this.unsavedCopies();
    if (!offer) return;
    const { key, copy } = offer;
    const title = (copy.title || '').trim() || textOf(copy.body).slice(0, 80) || (copy.excerpt || '').trim();
    const restore = el('button', { type: 'button', class: 'editor-notice__button', text: 'Restore it into the editor' });
    const discard = el('button', { type: 'button', class: 'editor-notice__button', text: 'Discard it' });
    const notice = el('div', { class: 'editor-notice editor-notice--unsaved', role: 'status' },
      el('p', { text: `Text you wrote in this browser ${this.when(copy.savedAt)} was not saved: “${title}”` }),
      restore, ' ', discard);
    this.editor.root.before(notice);
    restore.addEventListener('click', () => {
      notice.remove();
      // Whatever was typed here meanwhile stays in this browser under this form's key.
      const current = this.fields();
      if (!current.title.trim() && !current.excerpt.trim() && !textOf(current.body)) this.removeLocal();
      const name = key.slice(COPY_PREFIX.length);
      this.adoptKey(NEW_COPY_KEY.test(name) ? name : `new-${randomKey()}`);
      this.setFields(copy);
      this.changed();
      if (key !== this.key && this.localOk) this.removeLocal(key);
      const headline = this.form.elements.namedItem('title');
      if (headline && typeof headline.focus === 'function') headline.focus();
    });
    discard.addEventListener('click', () => {
      notice.remove();
      this.removeLocal(key);
      this.offerUnsaved();
      const next = this.form.querySelector('.editor-notice--unsaved .editor-notice__button');
      (next || this.editor.surface).focus();
    });
  }

  fields() {
    const get = (name) => {
      const field = this.form.elements.namedItem(name);
      return field && 'value' in field ? field.value : '';
    };
    return { title: get('title'), excerpt: get('excerpt'), body: this.editor.textarea.value };
  }

  readLocal(key = this.key) {
    try {
      const copy = JSON.parse(localStorage.getItem(key) || 'null');
      return copy && typeof copy === 'object' ? copy : null;
    } catch {
      return null;
    }
  }

  writeLocal(extra = {}) {
    try {
      localStorage.setItem(this.key, JSON.stringify({
        ...this.fields(), kind: this.kind, savedAt: new Date().toISOString(), base: this.serverSavedAt, ...extra,
      }));
      this.localOk = true;
    } catch {
      this.localOk = false;
    }
  }

  removeLocal(key = this.key) {
    try {
      localStorage.removeItem(key);
    } catch {
      // Storage unavailable: nothing to remove.
    }
  }

  // A copy is restored when it holds text the server does not have: it differs from the
  // fields, and it is newer than the server's copy or was made on top of the server's current
  // copy (so a slow clock here does not hide it). A copy marked on submit is dropped once the
  // server has a newer save.
  restore() {
    const copy = this.readLocal();
    if (!copy) return;
    const current = this.fields();
    const same = copy.title === current.title && copy.excerpt === current.excerpt
      && normalizeBody(copy.body) === normalizeBody(current.body);
    const serverTime = Date.parse(this.serverSavedAt) || 0;
    const copyTime = Date.parse(copy.savedAt) || 0;
    const serverMoved = (copy.base || '') !== this.serverSavedAt;
    if (same && this.isNew) {
      // A refused new story, shown again: the server still has none of it.
      this.writeLocal();
      return;
    }
    if (same || (copy.submitted && serverMoved) || (copyTime <= serverTime && serverMoved)) {
      this.removeLocal();
      return;
    }
    const original = current;
    this.setFields(copy);
    this.version += 1;
    const discard = el('button', { type: 'button', class: 'editor-notice__button', text: 'Discard restored text' });
    const notice = el('div', { class: 'editor-notice', role: 'status' },
      el('p', { text: `Restored text you wrote in this browser at ${this.time(copy.savedAt)} that was not saved yet. It will be saved with your next change.` }),
      discard);
    this.editor.root.before(notice);
    discard.addEventListener('click', () => {
      this.setFields(original);
      this.removeLocal();
      this.savedVersion = this.version;
      notice.remove();
      this.editor.surface.focus();
    });
  }

  setFields(values) {
    for (const name of ['title', 'excerpt']) {
      const field = this.form.elements.namedItem(name);
      if (field && typeof values[name] === 'string') field.value = values[name];
    }
    if (typeof values.body === 'string') {
      this.editor.load(values.body);
      this.editor.record('restore');
    }
  }

  changed() {
    this.version += 1;
    this.writeLocal();
    if (!this.firstUnsaved) this.firstUnsaved = Date.now();
    this.schedule();
  }

  schedule(delay = AUTOSAVE_DELAY) {
    clearTimeout(this.timer);
    const waited = Date.now() - this.firstUnsaved;
    this.timer = setTimeout(() => this.save(false), Math.max(0, Math.min(delay, AUTOSAVE_MAX_WAIT - waited)));
  }

  async save(leaving) {
    if (this.submitting) return;
    clearTimeout(this.timer);
    if (this.version <= this.savedVersion) return;
    if (this.inFlight && !leaving) {
      this.pending = true;
      return;
    }
    if (this.isNew && !this.fields().title.trim()) {
      // The server makes a story only with a headline; until then the text stays here.
      if (!leaving) this.say(this.localOk ? 'Kept in this browser — add a headline to save a draft.'
        : 'Not saved — add a headline to save a draft.');
      return;
    }
    if (!this.form.dataset.autosaveUrl) {
      // A form without server autosave (pages): the text waits in this browser for Save.
      if (!leaving) this.say(this.localOk ? 'Kept in this browser until you save.' : 'Not saved yet.');
      return;
    }
    const version = this.version;
    this.editor.textarea.value = this.editor.html();
    const body = new URLSearchParams();
    for (const [name, value] of new FormData(this.form)) {
      if (typeof value === 'string') body.append(name, value);
    }
    if (!leaving) this.say('Saving…');
    const request = fetch(this.form.dataset.autosaveUrl, {
      method: 'POST',
      headers: { 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
      body,
      credentials: 'same-origin',
      keepalive: leaving,
    });
    this.inFlight = request;
    let done;
    this.saveDone = new Promise((resolve) => {
      done = resolve;
    });
    try {
      const response = await request;
      await this.handle(response, version);
    } catch {
      this.say('Not saved — the connection failed. Your work is kept in this browser; trying again shortly.');
      this.retry();
    } finally {
      this.inFlight = null;
      done();
      if (this.pending) {
        this.pending = false;
        this.schedule(0);
      }
    }
  }

  async handle(response, version) {
    let json = null;
    try {
      json = await response.json();
    } catch {
      json = null;
    }
    const detail = json && typeof json.error === 'string' ? ` ${json.error}` : '';
    if (response.status === 401) {
      this.say('Signed out — your work is kept in this browser. Sign in again in another tab, then come back.');
      this.retry();
      return;
    }
    if (response.status === 403) {
      this.say(`Not saved — you may not edit this story, or this page has expired.${detail} Your work is kept in this browser.`);
      return;
    }
    if (response.status === 409) {
      this.say(`Not saved — this story was changed elsewhere.${detail} Your work is kept in this browser.`);
      return;
    }
    if (!response.ok || !json) {
      this.say(`Not saved — the server had a problem (error ${response.status}).${detail} Your work is kept in this browser; trying again shortly.`);
      this.retry();
      return;
    }
    this.savedVersion = Math.max(this.savedVersion, version);
    if (this.version <= this.savedVersion) this.firstUnsaved = 0;
    this.serverSavedAt = json.saved_at || this.serverSavedAt;
    this.form.dataset.savedAt = this.serverSavedAt;
    if (json.id !== undefined && json.id !== null && this.form.dataset.storyKey !== String(json.id)) {
      const oldKey = this.key;
      this.adoptKey(String(json.id));
      if (json.edit_url) {
        this.form.action = json.edit_url;
        history.replaceState(history.state, '', json.edit_url);
      }
      if (json.autosave_url) this.form.dataset.autosaveUrl = json.autosave_url;
      this.removeLocal(oldKey);
    }
    // The autosave created the story: saving the form is now a save from that version, which
    // the server refuses if someone else saved the story in between.
    if (Number.isInteger(json.version) && !this.form.elements.namedItem('base_version')) {
      this.form.append(el('input', { type: 'hidden', name: 'base_version', value: String(json.version) }));
    }
    this.writeLocal();
    this.say(`Saved ${this.time(this.serverSavedAt)}`);
    this.showLock(json.lock);
    if (this.version > this.savedVersion) this.schedule();
  }

  retry() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(false), RETRY_DELAY);
  }

  showLock(lock) {
    if (!this.lockWarning) return;
    if (lock && lock.held_by) {
      this.lockWarning.textContent = `${lock.held_by} is also editing this story. If they save first, you will see what they changed before anything of yours is saved.`;
      this.lockWarning.hidden = false;
    } else {
      this.lockWarning.hidden = true;
      this.lockWarning.textContent = '';
    }
  }

  say(text) {
    if (this.status && this.status.textContent !== text) this.status.textContent = text;
  }

  time(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? '' : this.timeFormat.format(date);
  }

  // "at 14:05" today, "on 3 Dec, 14:05" another day.
  when(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return 'earlier';
    const today = this.dayKey.format(date) === this.dayKey.format(new Date());
    return today ? `at ${this.time(iso)}` : `on ${this.dayFormat.format(date)}`;
  }
}

const COPY_PREFIX = 'newsdesk:story:';
const NEW_COPY_KEY = /^new-[a-z0-9]{1,40}$/;
const SAVED_COPY_KEY = /^(page-)?\d+$/;

function randomKey() {
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => 'abcdefghijklmnopqrstuvwxyz234567'[b % 32]).join('');
}

function dateFormat(options, timeZone) {
  const locale = document.documentElement.lang || undefined;
  try {
    return new Intl.DateTimeFormat(locale, timeZone ? { ...options, timeZone } : options);
  } catch {
    // A time zone this browser does not know: its own.
    return new Intl.DateTimeFormat(locale, options);
  }
}

function normalizeBody(html) {
  return serialize(cleanHtml(html || '', false));
}

function textOf(html) {
  return cleanHtml(html || '', false).textContent.replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------

const form = document.getElementById('story-form');
const textarea = form && form.querySelector('textarea[data-editor]');
if (form && textarea) {
  const editor = new StoryEditor(form, textarea);
  new Autosave(form, editor);
}
