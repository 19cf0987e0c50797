#!/usr/bin/env python3
"""Writes the hand-made seeds of tests/fuzz/corpus/ (run from the repository root).

Seeds found by the fuzzer (failures fixed since) are added by hand next to these and are not
written here; this script only (re)writes the files it names.
"""
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def texts(target, items):
    for name, text in items:
        write(target, name, text)


XSS = [
    ("script", "<script>alert(1)</script>"),
    ("script-upper", "<SCRIPT SRC=//x.example/x.js></SCRIPT>"),
    ("script-split", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("svg-onload", "<svg/onload=alert(1)><svg><script>alert(1)</script></svg>"),
    ("a-javascript", '<a href="javascript:alert(1)">x</a>'),
    ("a-javascript-entities", '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'),
    ("a-javascript-tab", '<a href="jav&#x09;ascript:alert(1)">x</a><a href=" JaVaScRiPt:x">y</a>'),
    ("a-vbscript", '<a href="vbscript:msgbox(1)">x</a>'),
    ("a-data", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'),
    ("img-data", '<img src="data:image/svg+xml,<svg onload=alert(1)>">'),
    ("srcset", '<img src="https://x.example/a.png" srcset="javascript:alert(1) 1x, https://x.example/b.png 2x">'),
    ("style", '<p style="background:url(javascript:alert(1))">x</p><style>@import "x"</style>'),
    ("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    ("object-embed", '<object data="x.swf"></object><embed src="x.swf">'),
    ("form", '<form action="javascript:alert(1)"><input autofocus onfocus=alert(1)><button formaction=javascript:x>b</button></form>'),
    ("math-mglyph", "<math><mi><mglyph><svg><mtext><textarea><path id=x></textarea><img src=x onerror=alert(1)></mtext></svg></mglyph></mi></math>"),
    ("noscript-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("template", "<template><script>alert(1)</script></template><div><template><img src=x onerror=alert(1)></template></div>"),
    ("comment-breakout", "<!--><img src=x onerror=alert(1)>--><!-- --!><img src=x onerror=alert(2)> -->"),
    ("cdata", "<![CDATA[<script>alert(1)</script>]]>"),
    ("base-meta", '<base href="javascript:/"><meta http-equiv="refresh" content="0;url=javascript:alert(1)"><link rel=stylesheet href=x>'),
    ("xlink", '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>'),
    ("blockquote-cite", '<blockquote cite="javascript:alert(1)">q</blockquote>'),
    ("nested-a", '<a href="https://a.example/"><a href="https://b.example/">x</a></a>'),
    ("table-misnest", "<table><tr><td><p>a<table><b>b</td></tr></table>c"),
    ("broken", '<p <b>x</i></p></div><a href="https://example.org/ >open'),
    ("unclosed", "<div><p><em><strong>"),
    ("entities", "&lt;script&gt; &amp;lt; &#0; &#x110000; &#55296; &nbsp &notanentity; &"),
    ("unicode", "\u202e\u0644\u0639\u0631\u0628\u064a\u0629 \U0001F642 e\u0301 \ufeff \u2028 \ufffd"),
    ("nul", "<p>a\u0000b</p><a href=\"java\u0000script:x\">n</a>"),
    ("empty", ""),
    ("huge", "<p>" + "<b>x</b>" * 4000 + "</p>"),
    ("deep", "<div>" * 600 + "x" + "</div>" * 600),
    ("story", "<h2>Harbour</h2><p>The <a href=\"https://example.org/\">ferry</a> left.</p><figure><img src=\"/media/1/a.jpg\" alt=\"x\" width=\"10\" height=\"10\"><figcaption>c</figcaption></figure>"),
]
texts("html", XSS)

texts("markdown", [
    ("link-javascript", "[click](javascript:alert(1))"),
    ("link-javascript-space", "[click]( javascript:alert(1) )"),
    ("link-encoded", "[click](jav&#x61;script:alert(1)) [b](jav%61script:x)"),
    ("link-vbscript-data", "[a](vbscript:x) [b](data:text/html,<script>alert(1)</script>)"),
    ("autolink", "<javascript:alert(1)> <https://example.org> <mailto:a@b.example>"),
    ("image", "![x](javascript:alert(1)) ![y](https://x.example/a.png \"t\")"),
    ("reference", "[a][r]\n\n[r]: javascript:alert(1) \"t\""),
    ("raw-html", "# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>"),
    ("raw-html-inline", "Some *text* <a href=\"javascript:x\">y</a> and <b onclick=x>z</b>."),
    ("headings", "# One\n## Two\n### Three\n###### Six\nSetext\n===\n"),
    ("lists", "- a\n  - b\n    - c\n1. x\n2. y\n> quote\n> > nested"),
    ("code", "```html\n<script>alert(1)</script>\n```\n\n    <img src=x onerror=y>\n\n`<b>`"),
    ("emphasis", "***a*** __b__ ~~c~~ *unclosed _mixed*_"),
    ("table-like", "| a | b |\n|---|---|\n| <script> | x |"),
    ("html-comment", "<!-- <script>alert(1)</script> -->\ntext"),
    ("unicode", "# Zürich\n\n日本語 **太字** \U0001F642 \u202e"),
    ("empty", ""),
    ("only-markers", "#\n-\n>\n*\n"),
    ("deep-quote", "> " * 300 + "x"),
    ("deep-list", "".join("  " * i + "- x\n" for i in range(200))),
    ("brackets", "[" * 2000 + "]" * 2000),
    ("plain", "A plain paragraph.\n\nAnother one, with <angle> brackets & ampersands."),
])

texts("slug", [
    ("ascii", "Hello, World!"), ("german", "Zürich: Straße & Öl"), ("russian", "Путин"),
    ("chinese", "北京欢迎你"), ("japanese", "東京タワー"), ("arabic", "العربية"),
    ("apostrophe", "Korea's l'été ’quoted’"), ("emoji", "🙂🙂🙂"), ("punctuation", "!!! ??? ..."),
    ("empty", ""), ("spaces", "   \t\n  "), ("hyphens", "---a--b---"),
    ("long", "word " * 80), ("long-word", "x" * 500), ("long-unicode", "日本" * 200),
    ("combining", "e\u0301\u0301\u0301 a\u0308"), ("zwj", "👩\u200d👩\u200d👧 family"),
    ("digits", "2026 ١٢٣ Ⅻ ①"), ("nul", "a\u0000b"), ("slug", "already-a-slug"),
    ("ligature", "ﬁnance Æther İstanbul ǅ"), ("bom", "\ufeffTitle"),
])

texts("search", [
    ("words", "harbour ferry"), ("phrase", "\"harbour ferry\" dawn"),
    ("unclosed", "\"harbour ferry"), ("quotes", "“curly” «guillemets» „low“ ＂full＂"),
    ("operators", "harbour AND NOT ferry OR -dawn +x title:y"),
    ("sql", "' OR 1=1; DROP TABLE stories; --"), ("like", "100% _under_ \\back"),
    ("html", "<script>alert(1)</script> <mark>x</mark> &amp;"),
    ("cjk", "東京都の天気 北京大学"), ("korean", "한국어 검색"), ("mixed", "Zürich東京running"),
    ("stemming", "running runs ran runner"), ("control", "a\u0000b\u0007c\u001bd"),
    ("empty", ""), ("spaces", "   \t  "), ("punctuation", "!!! ??? ... ;;;"),
    ("many-terms", " ".join("w%d" % i for i in range(100))),
    ("long", "x" * 5000), ("many-quotes", "\"" * 300), ("combining", "e\u0301te\u0301"),
    ("zero-width", "a\u200bb\u200dc"), ("arabic", "العربية الكتاب"), ("greek", "ελληνικά"),
])

texts("comments", [
    ("valid", "comment=Nice+piece.&author=Ana&email=ana%40example.org&url=&comment_post_ID=1&comment_parent=0"),
    ("xss", "comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E&author=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E&email=a%40b.example&url=javascript%3Aalert(1)&comment_post_ID=1"),
    ("links", "comment=See+http%3A%2F%2Fexample.org%2Fa%3Fb%3Dc%26d%3D%22e%22+and+(https%3A%2F%2Fx.example%2F).&author=B&email=b%40x.example&url=example.org&comment_post_ID=2"),
    ("quote-url", "comment=https%3A%2F%2Fa.example%2F%22%3E%3Cb%3E+https%3A%2F%2F'x&author=C&email=c%40x.example&comment_post_ID=3"),
    ("paragraphs", "comment=one%0D%0A%0D%0Atwo%0D%0Athree%0A%0A%0A%0Afour%0D&author=D&email=d%40x.example&comment_post_ID=4&comment_parent=7"),
    ("whitespace-only", "comment=+%09%0A+&author=+&email=&comment_post_ID=1"),
    ("controls", "comment=a%00b%07c%7F&author=x%00y&email=a%40b.example&comment_post_ID=1"),
    ("bad-ids", "comment=x&author=y&email=a%40b.example&comment_post_ID=-1&comment_parent=abc"),
    ("huge-id", "comment=x&author=y&email=a%40b.example&comment_post_ID=9223372036854775808&comment_parent=9223372036854775807"),
    ("bad-email", "comment=x&author=y&email=a%40b%40c..d&comment_post_ID=1"),
    ("bad-url", "comment=x&author=y&email=a%40b.example&url=http%3A%2F%2Fx.example%3A99999&comment_post_ID=1"),
    ("unicode", "comment=%E6%97%A5%E6%9C%AC%20%F0%9F%99%82%20%E2%80%AE&author=%C3%89lodie&email=%C3%BC%40%C3%BC.de&comment_post_ID=1"),
    ("long-comment", "comment=" + "x" * 70000 + "&author=y&email=a%40b.example&comment_post_ID=1"),
    ("long-author", "comment=x&author=" + "y" * 300 + "&email=a%40b.example&comment_post_ID=1"),
    ("duplicate-fields", "comment=a&comment=b&author=y&email=a%40b.example&comment_post_ID=1&comment_post_ID=2"),
    ("honeypot", "comment=x&author=y&email=a%40b.example&comment_post_ID=1&nd_website_confirm=http%3A%2F%2Fspam.example&wp-comment-cookies-consent=yes&subscribe_replies=1"),
    ("broken-encoding", "comment=%ZZ%&author=%C3&email=%&comment_post_ID=%31"),
    ("empty", ""),
    ("no-equals", "comment&author&email"),
])

texts("cookies", [
    ("session-empty", "newsdesk_session="), ("session-forged", "newsdesk_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    ("session-quoted", "newsdesk_session=\"abc\""), ("session-twice", "newsdesk_session=a; newsdesk_session=b"),
    ("session-encoded", "newsdesk_session=%41%42%00"), ("session-bad-encoding", "newsdesk_session=%ZZ%"),
    ("flash", "newsdesk_flash=%3Cscript%3Ealert(1)%3C%2Fscript%3E"), ("flash-long", "newsdesk_flash=" + "x" * 3000),
    ("many", "; ".join("c%d=%d" % (i, i) for i in range(300))), ("no-value", "newsdesk_session"),
    ("only-separators", ";;; ; ;"), ("attributes", "newsdesk_session=x; Path=/admin; HttpOnly; Secure; Max-Age=-1"),
    ("version", "$Version=1; newsdesk_session=x; $Path=/"), ("spaces", "  newsdesk_session  =  x  "),
    ("comma", "a=1, newsdesk_session=x"), ("unicode", "name=\u00e9\U0001F642"), ("empty", ""),
    ("equals", "===; =x; x=="), ("comment-author", "comment_author_x=Ana%20B; comment_author_email_x=a%40b.example"),
])

# --- images ------------------------------------------------------------------------------

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


PNG_SIG = b"\x89PNG\r\n\x1a\n"


def png(width, height, depth=8, color=2, rows=None, extra=b""):
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0))
    if rows is None:
        channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
        row = b"\x00" + b"\x00" * (width * channels * depth // 8)
        rows = row * height
    return PNG_SIG + ihdr + extra + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def gif(width, height, frame_w=None, frame_h=None):
    frame_w = width if frame_w is None else frame_w
    frame_h = height if frame_h is None else frame_h
    head = b"GIF89a" + struct.pack("<HH", width, height) + b"\x80\x00\x00" + b"\x00\x00\x00\xff\xff\xff"
    image = b"," + struct.pack("<HHHH", 0, 0, frame_w, frame_h) + b"\x00" + b"\x02\x02\x44\x01\x00"
    return head + image + b";"


def jpeg_header(width, height):
    soi = b"\xff\xd8"
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    dht = b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + bytes([1] + [0] * 15) + b"\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return soi + app0 + dqt + sof + dht + sos + b"\x00" * 16 + b"\xff\xd9"


def riff(body):
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def webp_vp8l(width, height):
    bits = (width - 1) | ((height - 1) << 14) | (1 << 28)  # alpha hint set, version 0
    data = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 8
    return riff(b"VP8L" + struct.pack("<I", len(data)) + data)


def webp_vp8x(width, height):
    data = b"\x00\x00\x00\x00" + struct.pack("<I", width - 1)[:3] + struct.pack("<I", height - 1)[:3]
    return riff(b"VP8X" + struct.pack("<I", len(data)) + data + webp_vp8l(1, 1)[12:])


def webp_vp8(width, height):
    frame = b"\x9d\x01\x2a" + struct.pack("<HH", width & 0x3FFF, height & 0x3FFF)
    tag = struct.pack("<I", (0x10 << 5) | 0x10)[:3]  # key frame, shown, partition size 16
    data = tag + frame + b"\x00" * 16
    return riff(b"VP8 " + struct.pack("<I", len(data)) + data)


small_png = png(4, 3)
write("media", "png-small", small_png)
write("media", "png-gray", png(5, 2, color=0))
write("media", "png-rgba", png(3, 3, color=6))
write("media", "png-16bit", png(2, 2, depth=16, color=2))
write("media", "png-palette-missing-plte", png(2, 2, color=3))
write("media", "png-bad-crc", small_png[:29] + b"\x00\x00\x00\x00" + small_png[33:])
write("media", "png-truncated-header", small_png[:20])
write("media", "png-truncated-data", small_png[: len(small_png) - 20])
write("media", "png-signature-only", PNG_SIG)
write("media", "png-zero-size", png(0, 0, rows=b""))
write("media", "png-exif", png(2, 2, extra=chunk(b"eXIf", b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x09\x00\x00\x00\x00\x00\x00")))
write("media", "png-apng", png(2, 2, extra=chunk(b"acTL", struct.pack(">II", 0xFFFFFFFF, 0))))
# At the limits: 12,000 × 1 is accepted; 12,001 × 1 is not (the pixels are cheap either way).
write("media", "png-limit-side", png(12000, 1, color=0))
write("media", "bomb-png-100000x100000", png(100000, 100000, rows=b"\x00" * 64))
write("media", "bomb-png-12001x1", png(12001, 1, color=0))
write("media", "bomb-png-10000x10000", png(10000, 10000, color=0, rows=b"\x00" * 64))
# The largest size PNG allows: the decoder itself refuses it as unreadable.
write("media", "huge-png-max-size", png(0x7FFFFFFF, 0x7FFFFFFF, rows=b""))
write("media", "gif-small", gif(2, 2))
write("media", "gif-truncated", gif(2, 2)[:15])
write("media", "gif-frame-outside", gif(2, 2, 900, 900))
write("media", "gif87a-header-only", b"GIF87a\x01\x00\x01\x00")
write("media", "bomb-gif-65535x65535", gif(65535, 65535))
write("media", "jpeg-header", jpeg_header(4, 4))
write("media", "jpeg-soi-only", b"\xff\xd8\xff")
write("media", "jpeg-truncated", jpeg_header(4, 4)[:30])
write("media", "jpeg-zero-size", jpeg_header(0, 0))
write("media", "bomb-jpeg-65500x65500", jpeg_header(65500, 65500))
write("media", "webp-vp8l", webp_vp8l(2, 2))
write("media", "webp-vp8", webp_vp8(4, 4))
write("media", "webp-riff-only", b"RIFF\x00\x00\x00\x00WEBP")
write("media", "webp-bad-chunk", riff(b"XXXX\x04\x00\x00\x00abcd"))
# image-webp refuses this lossless header as damaged before the size is checked.
write("media", "huge-webp-vp8l-16384x16384", webp_vp8l(16384, 16384))
# image-webp refuses a canvas whose image does not fill it as damaged, before the size check.
write("media", "huge-webp-vp8x-16777216", webp_vp8x(1 << 24, 1 << 24))
write("media", "bomb-webp-vp8-16383x16383", webp_vp8(16383, 16383))
write("media", "not-an-image", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
write("media", "html-as-image", b"<html><script>alert(1)</script></html>")
write("media", "empty", b"")

# --- uploads: Content-Type line, then the body; {{CSRF}} and {{PNG}} are filled in ---------

B = "----b"
def part(name, content, filename=None, ctype=None):
    head = 'Content-Disposition: form-data; name="%s"' % name
    if filename is not None:
        head += '; filename="%s"' % filename
    head += "\r\n"
    if ctype:
        head += "Content-Type: %s\r\n" % ctype
    return "--%s\r\n%s\r\n%s\r\n" % (B, head, content)

CT = "multipart/form-data; boundary=%s\n" % B
good = part("alt_text", "Heron") + part("caption", "At dawn") + part("file", "{{PNG}}", "a.png", "image/png") + "--%s--\r\n" % B
uploads = [
    ("valid", CT + good),
    ("valid-token-in-body", "~" + CT + part("_csrf", "{{CSRF}}") + good),
    ("no-token", "~" + CT + good),
    ("wrong-token-in-body", "~" + CT + part("_csrf", "forged") + good),
    ("no-file", CT + part("alt_text", "x") + "--%s--\r\n" % B),
    ("empty-file", CT + part("file", "", "a.png") + "--%s--\r\n" % B),
    ("not-an-image", CT + part("file", "<script>alert(1)</script>", "a.png", "image/png") + "--%s--\r\n" % B),
    ("no-boundary", "multipart/form-data\n" + good),
    ("empty-boundary", "multipart/form-data; boundary=\n" + good),
    ("other-boundary", "multipart/form-data; boundary=other\n" + good),
    ("no-content-type", "\n" + good),
    ("urlencoded", "application/x-www-form-urlencoded\nalt_text=x&file=y"),
    ("text-plain", "text/plain\n" + good),
    ("unterminated", CT + "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n{{PNG}}" % B),
    ("no-closing", CT + part("file", "{{PNG}}", "a.png")),
    ("bad-headers", CT + "--%s\r\nContent-Disposition form-data name=file\r\nno colon here\r\n\r\nx\r\n--%s--\r\n" % (B, B)),
    ("no-disposition", CT + "--%s\r\nContent-Type: image/png\r\n\r\n{{PNG}}\r\n--%s--\r\n" % (B, B)),
    ("lf-only", CT + good.replace("\r\n", "\n")),
    ("empty-body", CT),
    ("only-boundary", CT + "--%s--" % B),
    ("garbage", CT + "\x00\xff\xfe garbage --%s garbage" % B),
    ("two-files", CT + part("file", "{{PNG}}", "a.png") + part("file", "not png", "b.png") + "--%s--\r\n" % B),
    ("long-header", CT + "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\nx\r\n--%s--\r\n" % (B, "n" * 20000, B)),
    ("many-parts", CT + "".join(part("x%d" % i, "v") for i in range(500)) + "--%s--\r\n" % B),
    ("filename-traversal", CT + part("file", "{{PNG}}", "../../etc/passwd\x00.png") + "--%s--\r\n" % B),
    ("filename-star", CT + "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%%e2%%82%%ac.png\r\n\r\n{{PNG}}\r\n--%s--\r\n" % (B, B)),
    ("text-not-utf8", CT + "--%s\r\nContent-Disposition: form-data; name=\"alt_text\"\r\n\r\n\xff\xfe\xfd\r\n--%s--\r\n" % (B, B)),
    ("quoted-boundary", 'multipart/form-data; boundary="%s"\n' % B + good),
    ("mixed", "multipart/mixed; boundary=%s\n" % B + good),
]
for name, text in uploads:
    write("upload", name, text.encode("latin-1") if any(ord(c) > 127 for c in text) and name in ("garbage", "text-not-utf8") else text)
