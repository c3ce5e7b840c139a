//! What a worker isolate remembers of sites' options, so that visitor
//! requests do not each ask the workspace: kept a few seconds, forgotten
//! when the workspace's settings change.

use shared::site::SiteOptions;

/// How long a worker isolate answers a site's options from memory before
/// it asks the workspace again. A change made through this isolate is seen
/// at once (it forgets the workspace's sites); one made through another
/// isolate is seen there within this time, as the widget's settings
/// (`max-age=60`) are. Without it every visitor request from a customer's
/// page (its session, its conversation, each socket) would ask the one
/// workspace object for the same few bytes.
pub const OPTIONS_FRESH_MS: i64 = 10_000;

/// Most sites an isolate keeps options of; past it, it starts over.
pub const OPTIONS_KEPT: usize = 1_000;

/// Sites' options as an isolate last read them, by workspace and site,
/// with when: [`OptionsMemo::get`] answers only what is fresher than
/// [`OPTIONS_FRESH_MS`]. Only options the workspace answered go in, so an
/// unknown site is asked about every time.
#[derive(Debug, Default)]
pub struct OptionsMemo {
    read: std::collections::HashMap<(String, String), (i64, SiteOptions)>,
}

impl OptionsMemo {
    /// The options of `workspace`'s `site` read less than
    /// [`OPTIONS_FRESH_MS`] before `now`.
    pub fn get(&self, workspace: &str, site: &str, now: i64) -> Option<&SiteOptions> {
        let key = (workspace.to_owned(), site.to_owned());
        self.read
            .get(&key)
            .filter(|(at, _)| now >= *at && now - *at < OPTIONS_FRESH_MS)
            .map(|(_, options)| options)
    }

    /// Keeps what the workspace answered at `now`.
    pub fn put(&mut self, workspace: &str, site: &str, now: i64, options: SiteOptions) {
        if self.read.len() >= OPTIONS_KEPT {
            self.read.clear();
        }
        self.read
            .insert((workspace.to_owned(), site.to_owned()), (now, options));
    }

    /// Forgets every site of `workspace`: its settings just changed.
    pub fn forget(&mut self, workspace: &str) {
        self.read.retain(|(w, _), _| w != workspace);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_isolate_answers_a_sites_options_for_ten_seconds_and_forgets_a_changed_workspace() {
        let mut memo = OptionsMemo::default();
        let options = SiteOptions {
            allowed_origins: vec!["https://shop.example".into()],
            ..SiteOptions::default()
        };
        assert!(memo.get("acme", "shop", 1_000).is_none());
        memo.put("acme", "shop", 1_000, options.clone());
        memo.put("other", "shop", 1_000, SiteOptions::default());
        assert_eq!(memo.get("acme", "shop", 1_000), Some(&options));
        assert_eq!(memo.get("acme", "shop", 10_999), Some(&options));
        assert!(memo.get("acme", "shop", 11_000).is_none(), "stale");
        assert!(
            memo.get("acme", "shop", 999).is_none(),
            "a clock that went back"
        );
        assert!(memo.get("acme", "blog", 1_000).is_none());
        memo.forget("acme");
        assert!(memo.get("acme", "shop", 1_000).is_none());
        assert!(memo.get("other", "shop", 1_000).is_some());
        for i in 0..OPTIONS_KEPT {
            memo.put("many", &format!("s{i}"), 2_000, SiteOptions::default());
        }
        assert!(memo.read.len() <= OPTIONS_KEPT);
    }
}
