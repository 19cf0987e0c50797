//! The summary as the command line prints it.

use super::*;

impl Summary {
    /// The summary as the command line prints it: a table of counts, the invitation links,
    /// the images left on the old site, the shortcodes kept as text, and every warning.
    pub fn to_text(&self, base_url: &str, took: std::time::Duration) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let base = base_url.trim_end_matches('/');
        let _ = writeln!(
            out,
            "Imported {:?} ({}) in {:.1} s.\n",
            self.site,
            self.site_url,
            took.as_secs_f64()
        );
        let _ = writeln!(
            out,
            "{:<14} {:>8} {:>8} {:>8} {:>8}",
            "", "created", "updated", "skipped", "failed"
        );
        for (kind, c) in &self.counts {
            let _ = writeln!(
                out,
                "{kind:<14} {:>8} {:>8} {:>8} {:>8}",
                c.created, c.updated, c.skipped, c.failed
            );
        }
        if self.links_rewritten > 0 {
            let _ = writeln!(
                out,
                "\nLinks between old posts now lead to the new addresses in {} stories and pages.",
                self.links_rewritten
            );
        }
        if !self.invites.is_empty() {
            let _ = writeln!(
                out,
                "\nNew accounts have no password; send each person their link (valid 7 days):"
            );
            for i in &self.invites {
                let _ = writeln!(
                    out,
                    "  {} ({}): {base}/admin/password/{}",
                    i.login, i.display_name, i.token
                );
            }
        }
        if !self.remote_media.is_empty() {
            let _ = writeln!(
                out,
                "\n{} images stay at their old address (import again with --uploads or --fetch-media \
                 to copy them):",
                self.remote_media.len()
            );
            for url in &self.remote_media {
                let _ = writeln!(out, "  {url}");
            }
        }
        if !self.unknown_shortcodes.is_empty() {
            let _ = writeln!(out, "\nShortcodes kept as text (items using each):");
            for (name, n) in &self.unknown_shortcodes {
                let _ = writeln!(out, "  [{name}] {n}");
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(out, "\nWarnings ({}):", self.warnings.len());
            for w in &self.warnings {
                let _ = writeln!(out, "  {} {}: {}", w.kind, w.wp_id, w.message);
            }
        }
        out
    }
}
