//! An embed in Chromium: the story page loads nothing from the provider until the reader
//! presses "Load content from …"; then the player's frame appears and takes keyboard focus.

use super::*;

/// The demo story with an embed (a Google Maps view, from an address alone in a paragraph).
const EMBED_STORY_SLUG: &str = "cafe-owners";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embed_loads_nothing_from_its_provider_until_the_reader_asks() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let server = Server::start();
    let driver = Driver::start(&tools.chromedriver);
    let client = connect(&driver, &tools.chromium).await;
    client
        .goto(&server.url("/category/europe/"))
        .await
        .or_panic("opening the Europe section");
    let link = find(
        &client,
        &format!("a[href*=\"{EMBED_STORY_SLUG}\"]"),
        "finding the story with an embed",
    )
    .await;
    click_and_wait_for_new_page(&client, &link, "opening the story with an embed").await;
    let card = find_when_loaded(&client, "figure.embed", "finding the embed card").await;
    drop(card);

    // Before the click: every request the page made (the browser's resource timing log, which
    // lists each script, style sheet, image, font and frame) went to the site itself.
    let before = js(
        &client,
        "return {
           origin: location.origin,
           requests: performance.getEntriesByType('resource').map(e => e.name),
           frames: document.querySelectorAll('iframe').length,
           button: (() => { const b = document.querySelector('figure.embed .embed__load');
             return b ? { text: b.textContent, hidden: b.hidden, type: b.type } : null; })(),
         };",
        vec![],
    )
    .await;
    let origin = before["origin"].as_str().unwrap().to_owned();
    let requests = before["requests"].as_array().unwrap();
    assert!(!requests.is_empty(), "no request log: {before}");
    for r in requests {
        assert!(
            r.as_str().unwrap().starts_with(&format!("{origin}/")),
            "a request left the site before the click: {r} ({before})"
        );
    }
    assert_eq!(before["frames"], 0, "{before}");
    assert_eq!(
        before["button"],
        json!({ "text": "Load content from Google Maps", "hidden": false, "type": "button" })
    );
    if let Some(axe) = axe_source() {
        let violations = run_axe(&client, &axe).await;
        assert_eq!(violations, json!([]), "axe on the story with an embed card");
    }

    // The reader presses the button from the keyboard: the frame replaces it and has focus.
    // (The frame opens the site's `/embed/player`, which sends it on to the provider; the test
    // checks the element, not the provider's page.)
    let button = find(&client, "figure.embed .embed__load", "finding the button").await;
    js(&client, "arguments[0].focus();", vec![el(&button)]).await;
    client
        .active_element()
        .await
        .or_panic("reading the focused element")
        .send_keys(ENTER)
        .await
        .or_panic("pressing Enter on the button");
    wait_for_js(
        &client,
        "const f = document.querySelector('figure.embed iframe');
         return f ? { src: f.getAttribute('src'), title: f.title, focused: document.activeElement === f,
           button: !!document.querySelector('figure.embed .embed__load') } : null;",
        json!({
            "src": "/embed/player?provider=googlemaps&id=47.3663,8.5413,15",
            "title": "Content from Google Maps",
            "focused": true,
            "button": false,
        }),
        "the player's frame after pressing the button",
    )
    .await;
    client.close().await.or_panic("closing the browser");
}

/// The editor's Embed button: an address that is not an embed is refused in the dialog with
/// the providers named; a provider's address becomes an embed in the story.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editors_embed_button_checks_the_address_with_the_server() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let server = Server::start();
    server.add_administrator();
    let driver = Driver::start(&tools.chromedriver);
    let client = connect(&driver, &tools.chromium).await;
    sign_in_as_admin(&client, &server).await;
    client
        .goto(&server.url("/admin/stories/new"))
        .await
        .or_panic("opening the editor");
    let button =
        find_when_loaded(&client, ".editor-button--embed", "finding the Embed button").await;
    button.click().await.or_panic("pressing Embed");
    let input = find(&client, "#editor-embed-url", "finding the address field").await;
    input
        .send_keys(&format!(
            "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ{ENTER}"
        ))
        .await
        .or_panic("typing a foreign address");
    wait_for_js(
        &client,
        "return document.getElementById('editor-embed').open
           && document.getElementById('editor-embed-error').textContent.includes('YouTube, Vimeo')
           && document.activeElement.id === 'editor-embed-url';",
        json!(true),
        "the dialog refusing an address that is not an embed",
    )
    .await;
    js(
        &client,
        "document.getElementById('editor-embed-url').value = '';",
        vec![],
    )
    .await;
    input
        .send_keys(&format!("https://youtu.be/dQw4w9WgXcQ{ENTER}"))
        .await
        .or_panic("typing a YouTube address");
    wait_for_js(
        &client,
        "const f = document.querySelector('.editor-surface figure.embed');
         const body = document.getElementById('body').value;
         return f ? { provider: f.dataset.embed, id: f.dataset.embedId,
           href: f.querySelector('a').getAttribute('href'),
           open: document.getElementById('editor-embed').open,
           stored: body.includes('data-embed=\"youtube\"') } : null;",
        json!({
            "provider": "youtube",
            "id": "dQw4w9WgXcQ",
            "href": "https://youtu.be/dQw4w9WgXcQ",
            "open": false,
            "stored": true,
        }),
        "the embed in the editor",
    )
    .await;
    client.close().await.or_panic("closing the browser");
}
