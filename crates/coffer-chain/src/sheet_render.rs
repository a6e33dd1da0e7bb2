//! Renderings of a [`RecoverySheet`]: Markdown, and a printable A4 PDF (pdf-writer) whose last
//! page is a QR code (qrcode) of the sheet's compact JSON, the file `coffer safe rebuild
//! --sheet` reads. Both come from one list of lines, so they say the same thing.

use crate::{
    Error, Result,
    sheet::{NamedContract, RecoverySheet},
};
use alloy::primitives::Address;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use qrcode::{Color, EcLevel, QrCode};

/// One line of the sheet, before rendering.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Line {
    Title(String),
    Heading(String),
    Field(String, String),
    Text(String),
    Mono(String),
}

fn contract(c: &NamedContract) -> String {
    format!("{} ({})", c.address, c.name)
}

fn optional(c: &Option<NamedContract>) -> String {
    c.as_ref().map_or_else(|| "none".to_owned(), contract)
}

fn list(addresses: &[Address]) -> String {
    addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn lines(s: &RecoverySheet) -> Vec<Line> {
    use Line::*;
    let c = &s.creation;
    let mut out = vec![
        Title(format!("Recovery sheet of the Safe {}", s.safe)),
        Text(s.seed_phrases.clone()),
        Heading("The Safe".into()),
        Field("chain id".into(), s.chain_id.to_string()),
        Field("Safe address".into(), s.safe.to_string()),
        Field("release (VERSION())".into(), s.version.clone()),
        Field("singleton".into(), contract(&s.singleton)),
        Field("threshold".into(), format!("{} of {} owners", s.threshold, s.owners.len())),
        Heading("Owners".into()),
    ];
    for (i, o) in s.owners.iter().enumerate() {
        out.push(Field(format!("owner {}", i + 1), o.address.to_string()));
        out.push(Text(format!(
            "    label: {}; key: {}; derivation path: {}",
            o.label.as_deref().unwrap_or("(not in the owners file)"),
            o.kind.as_deref().unwrap_or("unknown"),
            o.path.as_deref().unwrap_or("unknown"),
        )));
    }
    out.push(Heading("Modules, guard, fallback handler".into()));
    if s.modules.is_empty() {
        out.push(Field("modules".into(), "none".into()));
    }
    for m in &s.modules {
        out.push(Field("module".into(), contract(m)));
        for line in &m.settings {
            out.push(Field("  setting".into(), line.clone()));
        }
    }
    out.push(Field("guard".into(), optional(&s.guard)));
    for line in s.guard.iter().flat_map(|g| &g.settings) {
        out.push(Field("  guard setting".into(), line.clone()));
    }
    out.push(Field("fallback handler".into(), optional(&s.fallback_handler)));
    out.push(Text(
        "Each is named by its runtime code. The settings coffer can read are listed under each (a module's spending limits, a Delay's cooldown and proposers, recovery guardians; the allowlist guard's delay and its allowed targets, selectors and libraries, active or pending), as read on chain when the sheet was made; settings of other modules and guards are read with that contract's own tool: check them there."
            .into(),
    ));
    out.push(Heading("Creation (what re-creates the same address)".into()));
    out.push(Field("factory".into(), c.factory.to_string()));
    out.push(Field("singleton at creation".into(), c.singleton.to_string()));
    out.push(Field("salt nonce".into(), c.salt_nonce.clone()));
    out.push(Field("salt scheme".into(), c.salt_scheme.clone()));
    out.push(Field("creation transaction".into(), format!("{} (block {})", c.tx_hash, c.block)));
    out.push(Field("initial owners".into(), list(&c.initial_owners)));
    out.push(Field("initial threshold".into(), c.initial_threshold.to_string()));
    out.push(Field("initial fallback handler".into(), c.initial_fallback_handler.to_string()));
    out.push(Text("initializer (setup calldata):".into()));
    out.push(Mono(c.initializer.to_string()));
    if !s.libraries.is_empty() {
        out.push(Heading("Safe libraries of this release".into()));
        for l in &s.libraries {
            out.push(Field("library".into(), contract(l)));
        }
    }
    out.push(Heading("Operate the Safe with any Safe tool".into()));
    out.push(Text(format!(
        "1. In Safe{{Wallet}}, protocol-kit, safe-cli or coffer, choose chain {} and add the Safe {}.",
        s.chain_id, s.safe
    )));
    out.push(Text(format!(
        "2. Each owner connects their own key (kind and path above); {} of the {} owners sign a transaction before it executes.",
        s.threshold,
        s.owners.len()
    )));
    out.push(Text(
        "3. Before signing, check that the owners, threshold, modules, guard and fallback handler shown by the tool match this sheet."
            .into(),
    ));
    out.push(Heading("Re-create the same address on another chain".into()));
    out.push(Text(format!(
        "1. Check that the factory {}, the singleton {} and the fallback handler have code there at the same addresses; if not, deploy that release through the Safe Singleton Factory first.",
        c.factory, c.singleton
    )));
    out.push(Text(format!(
        "2. Call createProxyWithNonce(singleton, initializer, {}) on the factory with exactly the initializer above, or run: coffer safe rebuild --sheet sheet.json --rpc-url URL (it checks the address before sending).",
        c.salt_nonce
    )));
    out.push(Text(if s.changed_since_creation() {
        "3. The owners or threshold changed since creation: the re-created Safe starts with the initial owners and threshold above; replay the changes (add/remove/swap owner, change threshold, enable modules, set the guard) so it matches this sheet."
            .into()
    } else {
        "3. The re-created Safe starts with these owners and threshold; enable the same modules, guard and fallback handler if this sheet lists any beyond the initial ones."
            .into()
    }));
    out
}

/// The sheet as Markdown.
pub fn render_markdown(sheet: &RecoverySheet) -> String {
    let mut md = String::new();
    for l in lines(sheet) {
        match l {
            Line::Title(t) => md.push_str(&format!("# {t}\n\n")),
            Line::Heading(h) => md.push_str(&format!("\n## {h}\n\n")),
            Line::Field(k, v) => md.push_str(&format!("- **{k}**: `{v}`\n")),
            Line::Text(t) => md.push_str(&format!("{}\n\n", t.trim_start())),
            Line::Mono(m) => md.push_str(&format!("```\n{m}\n```\n")),
        }
    }
    md.push_str("\n## Machine-readable sheet\n\n```json\n");
    md.push_str(&sheet.to_pretty_json());
    md.push_str("\n```\n");
    md
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;

/// Breaks `text` into pieces of at most `width` characters, at spaces where possible.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let mut word = word.to_owned();
        while word.chars().count() > width {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            out.push(head);
        }
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// PDF base-14 fonts speak WinAnsi: keep printable ASCII, replace the rest.
fn ascii(text: &str) -> Vec<u8> {
    text.chars().map(|c| if (' '..='~').contains(&c) { c as u8 } else { b'?' }).collect()
}

struct Writer {
    pages: Vec<Content>,
    y: f32,
}

impl Writer {
    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_H - MARGIN;
    }

    fn line(&mut self, font: &[u8], size: f32, x: f32, text: &str) {
        if self.y - size < MARGIN {
            self.new_page();
        }
        self.y -= size * 1.35;
        let y = self.y;
        if let Some(c) = self.pages.last_mut() {
            c.begin_text();
            c.set_font(Name(font), size);
            c.next_line(x, y);
            c.show(Str(&ascii(text)));
            c.end_text();
        }
    }
}

/// What the QR code holds: the sheet's compact JSON; when that does not fit in one QR code (a
/// long allowlist or many spending limits), the same JSON without the module and guard
/// `settings` (everything `safe rebuild --sheet` needs), and `true` to say so on the page.
/// [`Error::Sheet`] if even that does not fit.
fn qr_payload(sheet: &RecoverySheet) -> Result<(QrCode, bool)> {
    let json = sheet.to_compact_json();
    if let Ok(qr) = QrCode::with_error_correction_level(json.as_bytes(), EcLevel::L) {
        return Ok((qr, false));
    }
    let mut lean = sheet.clone();
    for c in lean.modules.iter_mut().chain(lean.guard.as_mut()) {
        c.settings.clear();
    }
    let lean_json = lean.to_compact_json();
    QrCode::with_error_correction_level(lean_json.as_bytes(), EcLevel::L).map(|qr| (qr, true)).map_err(
        |e| {
            Error::Sheet(format!(
                "the sheet's JSON ({} bytes, {} without settings) does not fit in one QR code ({e}); use the .json file instead",
                json.len(),
                lean_json.len()
            ))
        },
    )
}

/// The sheet as a printable A4 PDF: the text pages, then a page with a QR code of the compact
/// JSON (without the settings when the whole does not fit; the page says so). [`Error::Sheet`] if
/// even that does not fit in one QR code.
pub fn render_pdf(sheet: &RecoverySheet) -> Result<Vec<u8>> {
    let (qr, lean) = qr_payload(sheet)?;
    let mut w = Writer { pages: Vec::new(), y: 0.0 };
    w.new_page();
    for l in lines(sheet) {
        match l {
            Line::Title(t) => {
                for p in wrap(&t, 60) {
                    w.line(b"F2", 14.0, MARGIN, &p);
                }
                w.y -= 6.0;
            }
            Line::Heading(h) => {
                w.y -= 8.0;
                w.line(b"F2", 11.0, MARGIN, &h);
            }
            Line::Field(k, v) => {
                w.line(b"F2", 9.0, MARGIN, &format!("{k}:"));
                for p in wrap(&v, 92) {
                    w.line(b"F3", 8.5, MARGIN + 14.0, &p);
                }
            }
            Line::Text(t) => {
                for p in wrap(t.trim_start(), 105) {
                    w.line(b"F1", 9.0, MARGIN, &p);
                }
            }
            Line::Mono(m) => {
                for p in wrap(&m, 96) {
                    w.line(b"F3", 8.0, MARGIN, &p);
                }
            }
        }
    }
    // The QR page.
    w.new_page();
    w.line(
        b"F2",
        12.0,
        MARGIN,
        "QR code: this sheet as JSON (coffer safe rebuild --sheet reads it)",
    );
    w.line(b"F1", 9.0, MARGIN, &format!("Safe {} on chain {}", sheet.safe, sheet.chain_id));
    if lean {
        w.line(
            b"F1",
            9.0,
            MARGIN,
            "The module and guard settings are left out of this QR code to fit; they are on the pages above and in the .json file.",
        );
    }
    let modules = qr.width();
    let quiet = 4usize;
    let span = PAGE_W - 2.0 * MARGIN;
    let cell = span / (modules + 2 * quiet) as f32;
    let top = w.y - 20.0;
    let colors = qr.to_colors();
    if let Some(c) = w.pages.last_mut() {
        c.set_fill_gray(0.0);
        for row in 0..modules {
            let mut col = 0;
            while col < modules {
                if colors[row * modules + col] == Color::Dark {
                    let start = col;
                    while col < modules && colors[row * modules + col] == Color::Dark {
                        col += 1;
                    }
                    let x = MARGIN + (quiet + start) as f32 * cell;
                    let y = top - (quiet + row + 1) as f32 * cell;
                    c.rect(x, y, (col - start) as f32 * cell, cell);
                } else {
                    col += 1;
                }
            }
        }
        c.fill_nonzero();
    }

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let fonts = [Ref::new(3), Ref::new(4), Ref::new(5)];
    let first_page = 6;
    let n = w.pages.len() as i32;
    let page_ids: Vec<Ref> = (0..n).map(|i| Ref::new(first_page + 2 * i)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(n);
    for (id, base) in fonts.iter().zip([&b"Helvetica"[..], b"Helvetica-Bold", b"Courier"]) {
        pdf.type1_font(*id).base_font(Name(base)).encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (i, content) in w.pages.into_iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        let mut res = page.resources();
        let mut f = res.fonts();
        f.pair(Name(b"F1"), fonts[0]);
        f.pair(Name(b"F2"), fonts[1]);
        f.pair(Name(b"F3"), fonts[2]);
        f.finish();
        res.finish();
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    Ok(pdf.finish())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::{qr_payload, wrap};
    use crate::sheet::{Creation, NamedContract, RecoverySheet, SEED_NOTE, SHEET_FORMAT};
    use alloy::primitives::{Address, B256, Bytes};

    fn sheet(guard_lines: usize) -> RecoverySheet {
        let named = |b: u8| NamedContract {
            address: Address::repeat_byte(b),
            name: "coffer CofferAllowlistGuard".into(),
            settings: Vec::new(),
        };
        let mut guard = named(3);
        guard.settings = (0..guard_lines)
            .map(|i| format!("target {}: CALL active since 2026-12-06 17:00:00 UTC; listed functions only; no ETH", Address::with_last_byte(i as u8)))
            .collect();
        RecoverySheet {
            format: SHEET_FORMAT.into(),
            chain_id: 1,
            safe: Address::repeat_byte(1),
            version: "1.4.1".into(),
            singleton: named(2),
            creation: Creation {
                factory: Address::repeat_byte(4),
                singleton: Address::repeat_byte(2),
                initializer: Bytes::from(vec![0xab; 400]),
                salt_nonce: "0".into(),
                salt_scheme: "plain".into(),
                tx_hash: B256::ZERO,
                block: 1,
                initial_owners: vec![Address::repeat_byte(5)],
                initial_threshold: 1,
                initial_fallback_handler: Address::ZERO,
            },
            owners: Vec::new(),
            threshold: 1,
            modules: Vec::new(),
            guard: Some(guard),
            fallback_handler: None,
            libraries: Vec::new(),
            seed_phrases: SEED_NOTE.into(),
        }
    }

    #[test]
    fn qr_leaves_settings_out_only_when_the_whole_does_not_fit() {
        let (_, lean) = qr_payload(&sheet(3)).unwrap();
        assert!(!lean, "a short allowlist fits whole");
        let long = sheet(40);
        assert!(long.to_compact_json().len() > 2953, "more than one QR code holds");
        let (_, lean) = qr_payload(&long).unwrap();
        assert!(lean, "a long allowlist is left out of the QR code");
        assert!(super::render_pdf(&long).is_ok());
    }

    #[test]
    fn wrap_keeps_every_character() {
        let text = "a bb ccc 0x0123456789abcdef0123456789abcdef tail";
        let parts = wrap(text, 10);
        assert!(parts.iter().all(|p| p.chars().count() <= 10), "{parts:?}");
        assert_eq!(parts.join("").replace(' ', ""), text.replace(' ', ""));
    }
}
