//! A message's text with its light formatting, drawn from the tree that
//! [`chat_client::markup`] makes of it: every piece of text is a text node
//! and every element is built here, so nothing a visitor or an agent types
//! is ever read as HTML; links are only `http`, `https` and `mailto`, open
//! in a new tab, and give that tab no hold on this one.

use chat_client::markup::{parse, Node};
use leptos::prelude::*;

/// `text`, formatted.
pub fn formatted(text: &str) -> Vec<AnyView> {
    nodes(parse(text))
}

fn nodes(list: Vec<Node>) -> Vec<AnyView> {
    list.into_iter().map(node).collect()
}

fn node(node: Node) -> AnyView {
    match node {
        Node::Text(text) => text.into_any(),
        Node::Bold(inner) => view! { <strong>{nodes(inner)}</strong> }.into_any(),
        Node::Italic(inner) => view! { <em>{nodes(inner)}</em> }.into_any(),
        Node::Strike(inner) => view! { <s>{nodes(inner)}</s> }.into_any(),
        Node::Code(text) => view! { <code>{text}</code> }.into_any(),
        Node::CodeBlock(text) => view! { <pre><code>{text}</code></pre> }.into_any(),
        Node::Link { href, text } => view! {
            <a href=href target="_blank" rel="noopener noreferrer">{text}</a>
        }
        .into_any(),
        Node::Break => view! { <br/> }.into_any(),
    }
}
