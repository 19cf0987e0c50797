#!/usr/bin/env python3
"""Writes a synthetic WordPress export (WXR 1.2) for bench/import.sh: POSTS posts with
COMMENTS comments in all (threaded: every third comment answers the one before), 40 sections
(some nested), 400 tags, 20 authors, block markup and a caption shortcode in every post.
Streams to the file, so any size can be made.

    python3 bench/wxr_gen.py OUT.xml POSTS COMMENTS
"""
import sys

out, posts, comments = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
per_post = comments // max(posts, 1)
extra = comments - per_post * posts

with open(out, "w", encoding="utf-8", buffering=1 << 20) as f:
    w = f.write
    w('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
      'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
      'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
      '<title>Bench Gazette</title><link>https://bench.example</link><description>Generated</description>\n'
      '<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://bench.example</wp:base_site_url>'
      '<wp:base_blog_url>https://bench.example</wp:base_blog_url>\n')
    for a in range(20):
        w(f'<wp:author><wp:author_id>{a + 1}</wp:author_id><wp:author_login><![CDATA[reporter{a}]]></wp:author_login>'
          f'<wp:author_email><![CDATA[reporter{a}@bench.example]]></wp:author_email>'
          f'<wp:author_display_name><![CDATA[Reporter {a}]]></wp:author_display_name></wp:author>\n')
    for c in range(40):
        parent = f"section-{c - 20}" if c >= 20 and c % 2 == 0 else ""
        w(f'<wp:category><wp:term_id>{c + 1}</wp:term_id><wp:category_nicename><![CDATA[section-{c}]]></wp:category_nicename>'
          f'<wp:category_parent><![CDATA[{parent}]]></wp:category_parent><wp:cat_name><![CDATA[Section {c}]]></wp:cat_name></wp:category>\n')
    for t in range(400):
        w(f'<wp:tag><wp:term_id>{1000 + t}</wp:term_id><wp:tag_slug><![CDATA[topic-{t}]]></wp:tag_slug>'
          f'<wp:tag_name><![CDATA[Topic {t}]]></wp:tag_name></wp:tag>\n')
    cid = 1
    for p in range(1, posts + 1):
        day = 1 + p % 28
        month = 1 + (p // 28) % 12
        year = 2000 + (p // 336) % 25
        date = f"{year}-{month:02d}-{day:02d} {p % 24:02d}:{p % 60:02d}:00"
        body = ("<!-- wp:paragraph -->\n<p>Paragraph one of story {p}, with a <a href=\"https://bench.example/2001/01/story-1/\">link</a>.</p>\n"
                "<!-- /wp:paragraph -->\n\n<!-- wp:paragraph -->\n<p>{lorem}</p>\n<!-- /wp:paragraph -->\n\n"
                "[caption id=\"\" align=\"alignnone\" width=\"300\"]<img src=\"https://cdn.example/p{p}.jpg\" alt=\"\" /> Photo {p}[/caption]\n"
                ).format(p=p, lorem="Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 8)
        w(f'<item><title><![CDATA[Story number {p} about the valley]]></title>'
          f'<link>https://bench.example/{year}/{month:02d}/story-{p}/</link>'
          f'<dc:creator><![CDATA[reporter{p % 20}]]></dc:creator>'
          f'<content:encoded><![CDATA[{body}]]></content:encoded>'
          f'<excerpt:encoded><![CDATA[Summary of story {p}.]]></excerpt:encoded>'
          f'<wp:post_id>{p}</wp:post_id><wp:post_date><![CDATA[{date}]]></wp:post_date>'
          f'<wp:post_date_gmt><![CDATA[{date}]]></wp:post_date_gmt><wp:comment_status>open</wp:comment_status>'
          f'<wp:post_name><![CDATA[story-{p}]]></wp:post_name><wp:status>publish</wp:status>'
          f'<wp:post_type>post</wp:post_type>'
          f'<category domain="category" nicename="section-{p % 40}"><![CDATA[Section {p % 40}]]></category>'
          f'<category domain="post_tag" nicename="topic-{p % 400}"><![CDATA[Topic {p % 400}]]></category>'
          f'<category domain="post_tag" nicename="topic-{(p * 7) % 400}"><![CDATA[Topic {(p * 7) % 400}]]></category>\n')
        n = per_post + (1 if p <= extra else 0)
        for k in range(n):
            parent = cid - 1 if k % 3 == 2 else 0
            w(f'<wp:comment><wp:comment_id>{cid}</wp:comment_id><wp:comment_author><![CDATA[Reader {cid % 977}]]></wp:comment_author>'
              f'<wp:comment_author_email>reader{cid % 977}@mail.example</wp:comment_author_email>'
              f'<wp:comment_author_IP>192.0.2.{cid % 250}</wp:comment_author_IP>'
              f'<wp:comment_date>{date}</wp:comment_date><wp:comment_date_gmt>{date}</wp:comment_date_gmt>'
              f'<wp:comment_content><![CDATA[Comment {cid} on story {p}.]]></wp:comment_content>'
              f'<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>{parent}</wp:comment_parent>'
              f'<wp:comment_user_id>0</wp:comment_user_id></wp:comment>\n')
            cid += 1
        w('</item>\n')
    w('</channel>\n</rss>\n')
