//! arshif's own number reader: digits, date and reference separators and
//! the Hijri mark `هـ`, read piece of ink by piece of ink with a small
//! convolutional network trained by the project (`make train-numbers`,
//! `tools/train-numbers`).
//!
//! Debian's Tesseract models misread Arabic-Indic digits even in clean
//! print (`٤٤٥١٢٣٤` → `+ 6451١1` with `ara`), and numbers are what staff
//! search for most. Printed digits, `/`, `-`, `.`, `:` and `،` each stand
//! apart on the page, so a number is read as its pieces of ink:
//!
//! 1. [`segment`]: the crop is binarised at Otsu's threshold, its connected
//!    pieces of ink found, pieces stacked over each other (a colon, a broken
//!    stroke, a letter's dots) merged, and the height and middle of the
//!    line's tall pieces measured;
//! 2. [`sample`]: each piece becomes a 32×32 image of a window 1.6 line
//!    heights tall centred on the line, so that a dot at mid-height (`٠`)
//!    and one on the baseline (`.`) look different;
//! 3. [`Model::classify`]: a small network (three 3×3 convolutions, two
//!    dense layers) gives the probability of each of [`CLASSES`], one of
//!    which is "not part of a number";
//! 4. [`read`]: runs of number pieces become numbers: the digit system is
//!    chosen for the whole number (a round glyph is `٥` among Arabic-Indic
//!    digits and `0` among Western ones), the reading order is restored
//!    (groups joined by `-` run right to left when they are Arabic numbers,
//!    as the bidi algorithm lays them out), and digits the network is
//!    unsure of give alternative readings instead of a guess.
//!
//! The network's weights are `number-reader.bin` beside this file, embedded
//! in the binary. The training tool builds its samples with these same
//! functions, so what is trained is what is read.

use image::GrayImage;

/// What the network tells apart: Western digits, Arabic-Indic digits, the
/// three Extended Arabic-Indic digits drawn differently (۴ ۵ ۶), the
/// separators, the Hijri mark (`ه`, standing for `هـ`), and `#`: not part
/// of a number.
pub const CLASSES: [char; 30] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '٠', '١', '٢', '٣', '٤', '٥', '٦', '٧', '٨',
    '٩', '۴', '۵', '۶', '/', '-', '.', ':', '،', 'ه', '#',
];
pub const N_CLASSES: usize = CLASSES.len();
/// Index of `#`, "not part of a number".
pub const REJECT: usize = N_CLASSES - 1;
/// Index of the Hijri mark.
const HIJRI: usize = N_CLASSES - 2;
/// Side of a sample, in pixels.
pub const SIDE: usize = 32;
/// A sample's window is this many line heights tall.
const WINDOW: f32 = 1.6;
/// Widest a piece is drawn in a sample (wider ones are squeezed).
const MAX_DRAWN: f32 = 30.0;

/// The class index of a label character (Extended Arabic-Indic digits that
/// look like Arabic-Indic ones share their class).
pub fn class_of(c: char) -> Option<usize> {
    let c = match c {
        '۰' => '٠',
        '۱' => '١',
        '۲' => '٢',
        '۳' => '٣',
        '۷' => '٧',
        '۸' => '٨',
        '۹' => '٩',
        c => c,
    };
    CLASSES.iter().position(|&k| k == c)
}

/// A piece of ink: one connected component, or several stacked over each
/// other. Coordinates are the crop's; `x1`, `y1` exclusive.
#[derive(Debug, Clone)]
pub struct Piece {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    /// Pixels of ink.
    pub area: u32,
    /// Component labels that make it up.
    parts: Vec<u32>,
    /// Columns `[cut_from, cut_to)` it is limited to when it was split from
    /// a wider piece.
    columns: Option<(u32, u32)>,
}

impl Piece {
    pub fn width(&self) -> u32 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> u32 {
        self.y1 - self.y0
    }
    fn centre_y(&self) -> f32 {
        (self.y0 + self.y1) as f32 / 2.0
    }
}

/// A crop cut into pieces of ink, with the line's measures.
#[derive(Debug, Clone)]
pub struct Segmentation {
    gray: GrayImage,
    /// Component label per pixel (0: paper).
    labels: Vec<u32>,
    /// Pieces from left to right.
    pub pieces: Vec<Piece>,
    /// Median height of the tall pieces (digits), in pixels.
    pub line_height: f32,
    /// Median vertical centre of the tall pieces.
    pub middle: f32,
}

/// Pieces with fewer pixels are specks.
const MIN_AREA: u32 = 3;
/// Pieces overlapping horizontally by this share of the narrower one are
/// one piece (a colon, a broken stroke, a letter's dots).
const STACKED: f32 = 0.6;

/// Cut a crop into pieces of ink. Pieces whose vertical centre lies outside
/// `rows` (the line's own rows in the crop) belong to neighbouring lines
/// and are left out.
pub fn segment(crop: &GrayImage, rows: (u32, u32)) -> Segmentation {
    let (w, h) = crop.dimensions();
    let empty = |gray: GrayImage| Segmentation {
        gray,
        labels: Vec::new(),
        pieces: Vec::new(),
        line_height: 0.0,
        middle: 0.0,
    };
    if w < 2 || h < 2 {
        return empty(crop.clone());
    }
    let raw = crop.as_raw();
    let (lo, hi) = raw
        .iter()
        .fold((255u8, 0u8), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if hi.saturating_sub(lo) < 48 {
        return empty(crop.clone());
    }
    let t = super::prep::otsu_threshold(crop);
    let (labels, count) = label_components(raw, w as usize, h as usize, t);
    // bounding boxes and areas per label
    let mut boxes = vec![[u32::MAX, u32::MAX, 0u32, 0u32, 0u32]; count as usize + 1];
    for y in 0..h {
        for x in 0..w {
            let l = labels[(y * w + x) as usize];
            if l != 0 {
                let b = &mut boxes[l as usize];
                b[0] = b[0].min(x);
                b[1] = b[1].min(y);
                b[2] = b[2].max(x + 1);
                b[3] = b[3].max(y + 1);
                b[4] += 1;
            }
        }
    }
    let mut pieces: Vec<Piece> = boxes
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, b)| b[4] >= MIN_AREA)
        .map(|(l, b)| Piece {
            x0: b[0],
            y0: b[1],
            x1: b[2],
            y1: b[3],
            area: b[4],
            parts: vec![l as u32],
            columns: None,
        })
        .collect();
    merge_stacked(&mut pieces);
    pieces.retain(|p| {
        let c = p.centre_y();
        c >= rows.0 as f32 && c <= rows.1 as f32
    });
    pieces.sort_by_key(|p| (p.x0 + p.x1, p.y0));
    let (line_height, middle) = line_measures(&pieces);
    Segmentation {
        gray: crop.clone(),
        labels,
        pieces,
        line_height,
        middle,
    }
}

/// Connected components of ink (grey ≤ `t`), 8-connected, by union-find
/// over one raster pass. Returns a label per pixel and the largest label.
fn label_components(raw: &[u8], w: usize, h: usize, t: u8) -> (Vec<u32>, u32) {
    let mut labels = vec![0u32; w * h];
    let mut parent: Vec<u32> = vec![0];
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    for y in 0..h {
        for x in 0..w {
            if raw[y * w + x] > t {
                continue;
            }
            let mut mine = 0u32;
            let neighbours = [
                (x > 0).then(|| y * w + x - 1),
                (y > 0 && x > 0).then(|| (y - 1) * w + x - 1),
                (y > 0).then(|| (y - 1) * w + x),
                (y > 0 && x + 1 < w).then(|| (y - 1) * w + x + 1),
            ];
            for n in neighbours.into_iter().flatten() {
                let l = labels[n];
                if l == 0 {
                    continue;
                }
                if mine == 0 {
                    mine = find(&mut parent, l);
                } else {
                    let (a, b) = (find(&mut parent, mine), find(&mut parent, l));
                    if a != b {
                        let (lo, hi) = (a.min(b), a.max(b));
                        parent[hi as usize] = lo;
                        mine = lo;
                    }
                }
            }
            if mine == 0 {
                mine = parent.len() as u32;
                parent.push(mine);
            }
            labels[y * w + x] = mine;
        }
    }
    // flatten to consecutive labels
    let mut renumber = vec![0u32; parent.len()];
    let mut next = 0u32;
    for l in 1..parent.len() as u32 {
        let root = find(&mut parent, l);
        if renumber[root as usize] == 0 {
            next += 1;
            renumber[root as usize] = next;
        }
        renumber[l as usize] = renumber[root as usize];
    }
    for l in &mut labels {
        *l = renumber[*l as usize];
    }
    (labels, next)
}

fn merge_stacked(pieces: &mut Vec<Piece>) {
    loop {
        let mut merged = false;
        'outer: for i in 0..pieces.len() {
            for j in i + 1..pieces.len() {
                let (a, b) = (&pieces[i], &pieces[j]);
                let overlap = a.x1.min(b.x1) as i64 - a.x0.max(b.x0) as i64;
                let narrow = a.width().min(b.width()).max(1) as f32;
                if overlap > 0 && overlap as f32 >= STACKED * narrow {
                    let b = pieces.remove(j);
                    let a = &mut pieces[i];
                    a.x0 = a.x0.min(b.x0);
                    a.y0 = a.y0.min(b.y0);
                    a.x1 = a.x1.max(b.x1);
                    a.y1 = a.y1.max(b.y1);
                    a.area += b.area;
                    a.parts.extend(b.parts);
                    merged = true;
                    break 'outer;
                }
            }
        }
        if !merged {
            return;
        }
    }
}

/// Height and middle of a line's tall pieces (those at least half as tall
/// as the tallest): digits, slashes, letters with ascenders.
fn line_measures(pieces: &[Piece]) -> (f32, f32) {
    let Some(max) = pieces.iter().map(|p| p.height()).max() else {
        return (0.0, 0.0);
    };
    let mut heights: Vec<f32> = Vec::new();
    let mut middles: Vec<f32> = Vec::new();
    for p in pieces.iter().filter(|p| p.height() * 2 >= max) {
        heights.push(p.height() as f32);
        middles.push(p.centre_y());
    }
    (median(&mut heights), median(&mut middles))
}

fn median(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// A piece drawn as the network sees it: ink as 1.0, paper as 0.0, row by
/// row. `jitter` (training only) scales the line height and moves the
/// middle by a share of it; reading uses `(1.0, 0.0)`.
pub fn sample(seg: &Segmentation, piece: &Piece, jitter: (f32, f32)) -> [f32; SIDE * SIDE] {
    let mut out = [0f32; SIDE * SIDE];
    let line_h = seg.line_height.max(piece.height() as f32 * 0.5).max(4.0) * jitter.0;
    let middle = seg.middle + jitter.1 * seg.line_height;
    let scale = SIDE as f32 / (WINDOW * line_h);
    let drawn_w = piece.width() as f32 * scale;
    let scale_x = if drawn_w > MAX_DRAWN {
        MAX_DRAWN / piece.width() as f32
    } else {
        scale
    };
    let cx = (piece.x0 + piece.x1) as f32 / 2.0;
    let (w, h) = seg.gray.dimensions();
    let (cols_from, cols_to) = piece.columns.unwrap_or((0, w));
    let raw = seg.gray.as_raw();
    // several points per output pixel when shrinking (area sampling)
    let steps_x = (1.0 / scale_x).ceil().clamp(1.0, 4.0) as usize;
    let steps_y = (1.0 / scale).ceil().clamp(1.0, 4.0) as usize;
    let mine = |l: u32| l == 0 || piece.parts.contains(&l);
    for v in 0..SIDE {
        for u in 0..SIDE {
            let mut acc = 0f32;
            for sy in 0..steps_y {
                for sx in 0..steps_x {
                    let fu = u as f32 + (sx as f32 + 0.5) / steps_x as f32 - SIDE as f32 / 2.0;
                    let fv = v as f32 + (sy as f32 + 0.5) / steps_y as f32 - SIDE as f32 / 2.0;
                    let x = cx + fu / scale_x;
                    let y = middle + fv / scale;
                    if x < 0.0 || y < 0.0 {
                        continue;
                    }
                    let (xi, yi) = (x as u32, y as u32);
                    if xi >= w || yi >= h || xi < cols_from || xi >= cols_to {
                        continue;
                    }
                    // inside the piece's box only: its neighbours' ink and
                    // the paper around them stay out
                    if xi < piece.x0 || xi >= piece.x1 || yi < piece.y0 || yi >= piece.y1 {
                        continue;
                    }
                    let i = (yi * w + xi) as usize;
                    if mine(seg.labels[i]) {
                        acc += (255 - raw[i]) as f32 / 255.0;
                    }
                }
            }
            out[v * SIDE + u] = acc / (steps_x * steps_y) as f32;
        }
    }
    out
}

/// The network: three 3×3 convolutions (8, 16, 32 channels, each followed
/// by ReLU and 2×2 max pooling), a dense layer of 64 and the output layer.
/// Weights in the layout of the training tool (candle): convolutions
/// `[out][in][3][3]`, dense `[out][in]`, features flattened channel-major.
pub struct Model {
    convs: [Conv; 3],
    dense: Dense,
    out: Dense,
}

struct Conv {
    cin: usize,
    cout: usize,
    w: Vec<f32>,
    b: Vec<f32>,
}

struct Dense {
    cin: usize,
    cout: usize,
    w: Vec<f32>,
    b: Vec<f32>,
}

/// Channels of the three convolutions and width of the dense layer.
pub const ARCH: [usize; 4] = [8, 16, 32, 64];

/// The first bytes of a weights file.
pub const MAGIC: &[u8] = b"arshif-number-reader 1\n";

#[derive(Debug, thiserror::Error)]
#[error("the number reader's weights are malformed: {0}")]
pub struct ModelError(String);

/// The shapes of the weight tensors, in file order (name, element count).
pub fn tensor_shapes() -> Vec<(String, Vec<usize>)> {
    let [c1, c2, c3, d] = ARCH;
    let flat = c3 * (SIDE / 8) * (SIDE / 8);
    vec![
        ("conv1.weight".into(), vec![c1, 1, 3, 3]),
        ("conv1.bias".into(), vec![c1]),
        ("conv2.weight".into(), vec![c2, c1, 3, 3]),
        ("conv2.bias".into(), vec![c2]),
        ("conv3.weight".into(), vec![c3, c2, 3, 3]),
        ("conv3.bias".into(), vec![c3]),
        ("dense.weight".into(), vec![d, flat]),
        ("dense.bias".into(), vec![d]),
        ("out.weight".into(), vec![N_CLASSES, d]),
        ("out.bias".into(), vec![N_CLASSES]),
    ]
}

impl Model {
    /// The model shipped with arshif.
    pub fn shipped() -> &'static Model {
        static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| {
            Model::from_bytes(include_bytes!("number-reader.bin"))
                .expect("the embedded number reader is checked by the tests")
        })
    }

    /// Weights as the training tool writes them: [`MAGIC`], then every
    /// tensor of [`tensor_shapes`] as little-endian f32.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let body = bytes
            .strip_prefix(MAGIC)
            .ok_or_else(|| ModelError("wrong header".into()))?;
        let shapes = tensor_shapes();
        let total: usize = shapes
            .iter()
            .map(|(_, s)| s.iter().product::<usize>())
            .sum();
        if body.len() != total * 4 {
            return Err(ModelError(format!(
                "{} bytes of weights, {} expected",
                body.len(),
                total * 4
            )));
        }
        let floats: Vec<f32> = body
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let mut at = 0;
        let mut take = |n: usize| {
            let v = floats[at..at + n].to_vec();
            at += n;
            v
        };
        let [c1, c2, c3, d] = ARCH;
        let flat = c3 * (SIDE / 8) * (SIDE / 8);
        let mut conv = |cin: usize, cout: usize| Conv {
            cin,
            cout,
            w: take(cout * cin * 9),
            b: take(cout),
        };
        let convs = [conv(1, c1), conv(c1, c2), conv(c2, c3)];
        let dense = Dense {
            cin: flat,
            cout: d,
            w: take(d * flat),
            b: take(d),
        };
        let out = Dense {
            cin: d,
            cout: N_CLASSES,
            w: take(N_CLASSES * d),
            b: take(N_CLASSES),
        };
        Ok(Model { convs, dense, out })
    }

    /// Serialise weights given in [`tensor_shapes`] order.
    pub fn to_bytes(tensors: &[Vec<f32>]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for t in tensors {
            for v in t {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// Probabilities of each class for one sample.
    pub fn classify(&self, x: &[f32; SIDE * SIDE]) -> [f32; N_CLASSES] {
        let mut a = x.to_vec();
        let mut side = SIDE;
        for c in &self.convs {
            a = conv_relu_pool(c, &a, side);
            side /= 2;
        }
        let a = dense(&self.dense, &a, true);
        let logits = dense(&self.out, &a, false);
        let max = logits.iter().copied().fold(f32::MIN, f32::max);
        let mut p = [0f32; N_CLASSES];
        let mut sum = 0.0;
        for (o, l) in p.iter_mut().zip(&logits) {
            *o = (l - max).exp();
            sum += *o;
        }
        p.iter_mut().for_each(|v| *v /= sum);
        p
    }
}

/// 3×3 convolution (zero padding 1), ReLU, 2×2 max pooling.
fn conv_relu_pool(c: &Conv, input: &[f32], side: usize) -> Vec<f32> {
    let mut full = vec![0f32; c.cout * side * side];
    for o in 0..c.cout {
        let plane = &mut full[o * side * side..(o + 1) * side * side];
        plane.iter_mut().for_each(|v| *v = c.b[o]);
        for i in 0..c.cin {
            let src = &input[i * side * side..(i + 1) * side * side];
            let k = &c.w[(o * c.cin + i) * 9..(o * c.cin + i) * 9 + 9];
            for ky in 0..3 {
                for kx in 0..3 {
                    let kv = k[ky * 3 + kx];
                    if kv == 0.0 {
                        continue;
                    }
                    // output (y, x) reads input (y + ky - 1, x + kx - 1)
                    let y_from = 1usize.saturating_sub(ky);
                    let y_to = (side + 1 - ky).min(side);
                    let x_from = 1usize.saturating_sub(kx);
                    let x_to = (side + 1 - kx).min(side);
                    for y in y_from..y_to {
                        let sy = y + ky - 1;
                        let out_row = &mut plane[y * side + x_from..y * side + x_to];
                        let in_row = &src[sy * side + x_from + kx - 1..sy * side + x_to + kx - 1];
                        for (o, s) in out_row.iter_mut().zip(in_row) {
                            *o += kv * s;
                        }
                    }
                }
            }
        }
    }
    let half = side / 2;
    let mut out = vec![0f32; c.cout * half * half];
    for o in 0..c.cout {
        for y in 0..half {
            for x in 0..half {
                let at = |yy: usize, xx: usize| full[o * side * side + yy * side + xx];
                let m = at(2 * y, 2 * x)
                    .max(at(2 * y, 2 * x + 1))
                    .max(at(2 * y + 1, 2 * x))
                    .max(at(2 * y + 1, 2 * x + 1));
                out[o * half * half + y * half + x] = m.max(0.0);
            }
        }
    }
    out
}

fn dense(d: &Dense, input: &[f32], relu: bool) -> Vec<f32> {
    (0..d.cout)
        .map(|o| {
            let row = &d.w[o * d.cin..(o + 1) * d.cin];
            let v = d.b[o] + row.iter().zip(input).map(|(w, x)| w * x).sum::<f32>();
            if relu {
                v.max(0.0)
            } else {
                v
            }
        })
        .collect()
}

/// What kind of number a reading is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberKind {
    /// A date that passed its checks (month 1–12, day in range, a year of
    /// 1300–1600 AH or 1900–2100).
    Date,
    /// Digit groups joined by `/` or `-` (a reference, a report number).
    Reference,
    Number,
}

/// A number read from a page.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NumberReading {
    /// As printed, in logical order, in its own digits (`١٤٤٥/٠٣/١٢هـ`).
    pub text: String,
    /// In ASCII digits, separators kept (`1445/03/12`).
    pub value: String,
    pub kind: NumberKind,
    /// Probability of this reading, 0–1.
    pub confidence: f32,
    /// Other values the ink may hold, most likely first; empty when the
    /// reading is sure.
    pub alternatives: Vec<String>,
    /// `[x, y, w, h]` on the page (the same frame as word boxes).
    #[serde(rename = "box")]
    pub bbox: [u32; 4],
}

/// How a number's line is laid out, for its reading order.
#[derive(Debug, Clone, Copy, Default)]
pub struct LineContext {
    /// Arabic letters come before the number in the line's logical order:
    /// Western digits there become Arabic numbers (bidi rule W2), and their
    /// groups joined by `-` are laid out right to left.
    pub arabic_before: bool,
}

/// A glyph below this probability makes its number uncertain.
pub const SURE: f32 = 0.9;
/// How sure a slash or dash cut from the digit it ran into must be.
const JOINER_SURE: f32 = 0.75;
/// A piece smaller than this share of its neighbour's ink may be a chip of it.
const CHIP_SHARE: f32 = 0.3;
/// Alternatives less likely than this share of the best reading are not kept.
const ALTERNATIVE_SHARE: f32 = 0.05;
/// At most this many alternatives per number.
const MAX_ALTERNATIVES: usize = 4;
/// A gap wider than this many line heights ends a number.
const GAP: f32 = 1.2;

/// A piece with its class probabilities.
struct Glyph {
    piece: Piece,
    p: [f32; N_CLASSES],
}

impl Glyph {
    fn best(&self) -> usize {
        argmax(&self.p)
    }
    fn is_number(&self) -> bool {
        self.best() != REJECT
    }
}

fn argmax(p: &[f32]) -> usize {
    p.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .unwrap_or(REJECT)
}

/// Read the numbers in a crop of a page (a word, or a zone after a label).
/// `rows` are the crop's rows that belong to the line; boxes come back in
/// the crop's frame.
pub fn read(
    model: &Model,
    crop: &GrayImage,
    rows: (u32, u32),
    ctx: LineContext,
) -> Vec<NumberReading> {
    let seg = segment(crop, rows);
    if seg.pieces.is_empty() || seg.line_height < 4.0 {
        return Vec::new();
    }
    let mut seg = seg;
    let mut glyphs = classify_all(model, &seg);
    // The line's measures come from its tall pieces, which in a crop with
    // letters are partly letters (alef and lam are taller than digits):
    // measured again on the pieces read as digits, and read again if they
    // moved.
    let digit_pieces: Vec<Piece> = glyphs
        .iter()
        .filter(|g| matches!(g.best(), 1..=9 | 11..=22) && g.p[g.best()] >= 0.5)
        .map(|g| g.piece.clone())
        .collect();
    if digit_pieces.len() >= 2 && digit_pieces.len() < glyphs.len() {
        let (h, m) = line_measures(&digit_pieces);
        if (h - seg.line_height).abs() > 0.12 * seg.line_height
            || (m - seg.middle).abs() > 0.12 * seg.line_height
        {
            seg.line_height = h;
            seg.middle = m;
            glyphs = classify_all(model, &seg);
        }
    }
    let gap = GAP * seg.line_height;
    // A piece between two number pieces, close to both and no wider than a
    // digit, is a digit the network took for something else: it is read as
    // the likeliest number class rather than breaking the number in two.
    for i in 1..glyphs.len().saturating_sub(1) {
        let (prev, next) = (&glyphs[i - 1], &glyphs[i + 1]);
        let g = &glyphs[i];
        let close = g.piece.x0 as f32 - prev.piece.x1 as f32 <= gap
            && next.piece.x0 as f32 - g.piece.x1 as f32 <= gap;
        let narrow = g.piece.width() as f32 <= 0.9 * seg.line_height;
        if !g.is_number() && prev.is_number() && next.is_number() && close && narrow {
            let g = &mut glyphs[i];
            g.p[REJECT] = 0.0;
            let sum: f32 = g.p.iter().sum();
            if sum > 0.0 {
                g.p.iter_mut().for_each(|v| *v /= sum);
            }
        }
    }
    let mut out = Vec::new();
    let mut run: Vec<&Glyph> = Vec::new();
    let mut flush = |run: &mut Vec<&Glyph>| {
        if let Some(r) = decode(run, ctx) {
            out.push(r);
        }
        run.clear();
    };
    for g in &glyphs {
        let far = run
            .last()
            .is_some_and(|last| g.piece.x0 as f32 - last.piece.x1 as f32 > gap);
        // a Hijri mark stands apart from its date by a space at most
        let mark_gap = run.len() == 1 && run[0].best() == HIJRI;
        if !g.is_number() || (far && !mark_gap) {
            flush(&mut run);
        }
        if g.is_number() {
            run.push(g);
        }
    }
    flush(&mut run);
    out
}

fn classify_all(model: &Model, seg: &Segmentation) -> Vec<Glyph> {
    let whole: Vec<Glyph> = seg
        .pieces
        .iter()
        .map(|piece| Glyph {
            p: model.classify(&sample(seg, piece, (1.0, 0.0))),
            piece: piece.clone(),
        })
        .collect();
    let joined = join_if_broken(model, seg, whole);
    let mut glyphs = Vec::with_capacity(joined.len());
    for (i, g) in joined.iter().enumerate() {
        // a digit close beside it, on either side
        let near = |o: &Glyph| {
            let gap = g.piece.x0.max(o.piece.x0) as f32 - g.piece.x1.min(o.piece.x1) as f32;
            matches!(o.best(), 0..=22) && gap <= 0.5 * seg.line_height
        };
        let beside_digit = (i > 0 && near(&joined[i - 1])) || joined.get(i + 1).is_some_and(near);
        glyphs.extend(split_if_touching(
            model,
            seg,
            g.piece.clone(),
            g.p,
            beside_digit,
        ));
    }
    glyphs
}

/// A digit printed thin may come apart where its strokes meet: `٦`'s hook
/// and its stem are then two short pieces, one above the other, each read
/// unsurely as something else (`٢` and `١`). Two neighbouring pieces that
/// are each shorter than a digit, lie one above the other (overlapping in
/// columns, not in rows) and together span about a digit's height are read
/// as one; they stay one when that reading is sure and the pieces' own
/// were not. So is a small chip broken off a digit's stroke in speckle
/// that still touches the digit's columns.
fn join_if_broken(model: &Model, seg: &Segmentation, glyphs: Vec<Glyph>) -> Vec<Glyph> {
    let lh = seg.line_height;
    let short = |p: &Piece| (p.height() as f32) < 0.8 * lh;
    let mut out: Vec<Glyph> = Vec::with_capacity(glyphs.len());
    let mut rest = glyphs.into_iter().peekable();
    while let Some(a) = rest.next() {
        let Some(b) = rest.peek() else {
            out.push(a);
            break;
        };
        let (pa, pb) = (&a.piece, &b.piece);
        let columns = pa.x1.min(pb.x1) as i64 - pa.x0.max(pb.x0) as i64;
        let rows = pa.y1.min(pb.y1) as i64 - pa.y0.max(pb.y0) as i64;
        let (y0, y1) = (pa.y0.min(pb.y0), pa.y1.max(pb.y1));
        let unsure = a.p[a.best()].min(b.p[b.best()]) < SURE;
        let stacked = columns > 0
            && rows <= 0
            && short(pa)
            && short(pb)
            && ((y1 - y0) as f32) <= 1.3 * lh
            && unsure;
        // a chip of a digit's stroke (a leg of `٨` broken off in speckle),
        // touching or overlapping the digit's columns and lying within its
        // rows, much smaller than it and unsure of itself
        let chip = |small: &Glyph, big: &Glyph| {
            let (s, g) = (&small.piece, &big.piece);
            let mid = (s.y0 + s.y1) as f32 / 2.0;
            columns >= 0
                && (s.area as f32) < CHIP_SHARE * g.area as f32
                && small.p[small.best()] < SURE
                && mid >= g.y0 as f32
                && mid <= g.y1 as f32
        };
        let candidate = stacked || chip(&a, b) || chip(b, &a);
        if candidate {
            let mut joined = pa.clone();
            joined.x0 = pa.x0.min(pb.x0);
            joined.x1 = pa.x1.max(pb.x1);
            joined.y0 = y0;
            joined.y1 = y1;
            joined.area += pb.area;
            joined.parts.extend(pb.parts.iter().copied());
            let p = model.classify(&sample(seg, &joined, (1.0, 0.0)));
            let best = argmax(&p);
            if best != REJECT && p[best] >= SURE {
                rest.next();
                out.push(Glyph { piece: joined, p });
                continue;
            }
        }
        out.push(a);
    }
    out
}

/// A wide piece the network is unsure of may be digits touching each other
/// (blur, low resolution): try cutting it at its thinnest column and keep
/// the halves when each reads more surely than the whole. A piece wider
/// than a digit that the network surely took for no part of a number, but
/// that stands beside a digit (`44` run together in a blurred `1445`), is
/// cut too, and its halves kept when each is surely a digit.
fn split_if_touching(
    model: &Model,
    seg: &Segmentation,
    piece: Piece,
    p: [f32; N_CLASSES],
    beside_digit: bool,
) -> Vec<Glyph> {
    let best = argmax(&p);
    let sure = p[best];
    let lh = seg.line_height;
    let wide = piece.width() as f32 > 0.8 * lh;
    let run_together = best == REJECT
        && beside_digit
        && piece.width() as f32 > 1.1 * lh
        && (piece.height() as f32) < 1.25 * lh;
    if !(wide && sure < SURE || run_together) || piece.width() < 6 {
        return vec![Glyph { piece, p }];
    }
    // ink per column
    let (w, _) = seg.gray.dimensions();
    let (from, to) = piece.columns.unwrap_or((piece.x0, piece.x1));
    let ink_at = |x: u32| -> u32 {
        (piece.y0..piece.y1)
            .filter(|&y| {
                let l = seg.labels[(y * w + x) as usize];
                l != 0 && piece.parts.contains(&l)
            })
            .count() as u32
    };
    let lo = from + (to - from) / 4;
    let hi = to - (to - from) / 4;
    let Some(cut) = (lo..hi).min_by_key(|&x| ink_at(x)) else {
        return vec![Glyph { piece, p }];
    };
    let half = |a: u32, b: u32| -> Option<Piece> {
        let mut q = piece.clone();
        q.columns = Some((a, b));
        // shrink the box to the half's ink
        let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
        let mut area = 0;
        for y in piece.y0..piece.y1 {
            for x in a..b {
                let l = seg.labels[(y * w + x) as usize];
                if l != 0 && piece.parts.contains(&l) {
                    x0 = x0.min(x);
                    y0 = y0.min(y);
                    x1 = x1.max(x + 1);
                    y1 = y1.max(y + 1);
                    area += 1;
                }
            }
        }
        (area >= MIN_AREA).then(|| {
            q.x0 = x0;
            q.y0 = y0;
            q.x1 = x1;
            q.y1 = y1;
            q.area = area;
            q
        })
    };
    let (Some(left), Some(right)) = (half(from, cut), half(cut, to)) else {
        return vec![Glyph { piece, p }];
    };
    let pl = model.classify(&sample(seg, &left, (1.0, 0.0)));
    let pr = model.classify(&sample(seg, &right, (1.0, 0.0)));
    let (bl, br) = (argmax(&pl), argmax(&pr));
    let keep = if run_together {
        // two digits, or a digit and the slash or dash beside it (`٤/`)
        // (a slash cut from its digit keeps a sliver of the digit, so it
        // reads less surely than a digit does)
        let digit = |c: usize, p: f32| matches!(c, 0..=22) && p >= SURE;
        let joiner = |c: usize, p: f32| digit(c, p) || matches!(c, 23 | 24) && p >= JOINER_SURE;
        digit(bl, pl[bl]) && joiner(br, pr[br]) || joiner(bl, pl[bl]) && digit(br, pr[br])
    } else {
        bl != REJECT && br != REJECT && pl[bl].min(pr[br]) > sure
    };
    if keep {
        let mut out = split_if_touching(model, seg, left, pl, run_together);
        out.extend(split_if_touching(model, seg, right, pr, run_together));
        out
    } else {
        vec![Glyph { piece, p }]
    }
}

/// Which digits a number is written in.
#[derive(Clone, Copy, PartialEq)]
enum System {
    ArabicIndic,
    Western,
}

fn allowed(system: System, class: usize) -> bool {
    match class {
        0..=9 => system == System::Western,
        10..=22 => system == System::ArabicIndic,
        c => c != REJECT,
    }
}

fn is_digit_class(c: usize) -> bool {
    c <= 22
}

/// The value of a class in ASCII (`/` `-` `.` `:` `,`; the Hijri mark has none).
fn ascii(class: usize) -> Option<char> {
    match class {
        0..=9 => Some((b'0' + class as u8) as char),
        10..=19 => Some((b'0' + (class - 10) as u8) as char),
        20..=22 => Some((b'4' + (class - 20) as u8) as char),
        23 => Some('/'),
        24 => Some('-'),
        25 => Some('.'),
        26 => Some(':'),
        27 => Some(','),
        _ => None,
    }
}

/// Turn a run of number pieces (left to right) into a reading.
fn decode(run: &[&Glyph], ctx: LineContext) -> Option<NumberReading> {
    if !run.iter().any(|g| is_digit_class(g.best())) {
        return None;
    }
    // one digit system for the whole number: the likelier reading of all
    // its pieces
    let score = |s: System| -> f32 {
        run.iter()
            .map(|g| {
                let m = (0..N_CLASSES)
                    .filter(|&c| allowed(s, c))
                    .map(|c| g.p[c])
                    .fold(0.0, f32::max);
                m.max(1e-6).ln()
            })
            .sum()
    };
    let system = if score(System::ArabicIndic) >= score(System::Western) {
        System::ArabicIndic
    } else {
        System::Western
    };
    // per piece: classes allowed in that system, renormalised, best first
    let mut choices: Vec<Vec<(usize, f32)>> = run
        .iter()
        .map(|g| {
            let total: f32 = (0..N_CLASSES)
                .filter(|&c| allowed(system, c))
                .map(|c| g.p[c])
                .sum::<f32>()
                .max(1e-9);
            let mut v: Vec<(usize, f32)> = (0..N_CLASSES)
                .filter(|&c| allowed(system, c))
                .map(|c| (c, g.p[c] / total))
                .collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1));
            v.truncate(3);
            v
        })
        .collect();
    let mut pieces: Vec<&Piece> = run.iter().map(|g| &g.piece).collect();
    // separators at either end belong to the label or the sentence (a
    // colon, a full stop); a Hijri mark stays
    let strip = |c: &Vec<(usize, f32)>| !is_digit_class(c[0].0) && c[0].0 != HIJRI;
    while choices.first().is_some_and(strip) {
        choices.remove(0);
        pieces.remove(0);
    }
    while choices.last().is_some_and(strip) {
        choices.pop();
        pieces.pop();
    }
    if choices.is_empty() {
        return None;
    }
    let bbox = pieces.iter().fold([u32::MAX, u32::MAX, 0, 0], |b, p| {
        [
            b[0].min(p.x0),
            b[1].min(p.y0),
            b[2].max(p.x1),
            b[3].max(p.y1),
        ]
    });
    let bbox = [bbox[0], bbox[1], bbox[2] - bbox[0], bbox[3] - bbox[1]];
    let extended = choices.iter().any(|c| (20..=22).contains(&c[0].0));
    let flip = system == System::ArabicIndic || ctx.arabic_before;
    // the best readings: a small beam over the pieces' choices
    let mut beam: Vec<(Vec<usize>, f32)> = vec![(Vec::new(), 1.0)];
    for c in &choices {
        let mut next = Vec::new();
        for (seq, p) in &beam {
            for &(class, q) in c {
                let mut s = seq.clone();
                s.push(class);
                next.push((s, p * q));
            }
        }
        next.sort_by(|a, b| b.1.total_cmp(&a.1));
        next.truncate(MAX_ALTERNATIVES + 4);
        beam = next;
    }
    let readings: Vec<(Logical, f32)> = beam
        .into_iter()
        .filter_map(|(seq, p)| logical(&seq, flip).map(|l| (l, p)))
        .collect();
    let (best, best_p) = readings.first()?.clone();
    // a date is believed only when it passes its checks; otherwise the most
    // likely reading that does, if one is likely enough
    let mut chosen = (best.clone(), best_p);
    if looks_like_date(&best.value) && date_ok(&best.value).is_none() {
        if let Some(ok) = readings
            .iter()
            .find(|(l, p)| *p >= best_p * ALTERNATIVE_SHARE && date_ok(&l.value).is_some())
        {
            chosen = ok.clone();
        }
    }
    let (reading, p) = chosen;
    let uncertain = choices.iter().any(|c| c[0].1 < SURE);
    let mut alternatives: Vec<String> = Vec::new();
    if uncertain || reading.value != best.value {
        for (l, q) in &readings {
            if *q >= best_p * ALTERNATIVE_SHARE
                && l.value != reading.value
                && !alternatives.contains(&l.value)
                && alternatives.len() < MAX_ALTERNATIVES
            {
                alternatives.push(l.value.clone());
            }
        }
    }
    let kind = kind_of(&reading.value);
    let text = printed(&reading.classes, system, extended, reading.hijri);
    Some(NumberReading {
        text,
        value: reading.value,
        kind,
        confidence: p,
        alternatives,
        bbox,
    })
}

/// A reading in logical order.
#[derive(Debug, Clone)]
struct Logical {
    classes: Vec<usize>,
    value: String,
    hijri: bool,
}

/// Left-to-right classes → logical order: the Hijri mark (left of the
/// number) goes to the end; groups joined by `-` are turned round when the
/// number is laid out right to left.
fn logical(visual: &[usize], flip: bool) -> Option<Logical> {
    let hijri = visual.contains(&HIJRI);
    let mut core: Vec<usize> = visual.iter().copied().filter(|&c| c != HIJRI).collect();
    if !core.iter().any(|&c| is_digit_class(c)) {
        return None;
    }
    if flip && core.contains(&24) {
        let groups: Vec<Vec<usize>> = core.split(|&c| c == 24).map(|g| g.to_vec()).collect();
        core = groups.into_iter().rev().collect::<Vec<_>>().join(&24);
    }
    let value: String = core.iter().filter_map(|&c| ascii(c)).collect();
    Some(Logical {
        classes: core,
        value,
        hijri,
    })
}

/// The number as printed, in its own digit system.
fn printed(classes: &[usize], system: System, extended: bool, hijri: bool) -> String {
    let mut s: String = classes
        .iter()
        .map(|&c| match (c, system) {
            (0..=9, _) => (b'0' + c as u8) as char,
            (10..=19, _) if extended => char::from_u32(0x06F0 + (c - 10) as u32).unwrap_or('?'),
            (10..=19, _) => CLASSES[c],
            (20..=22, _) => CLASSES[c],
            (27, _) => '،',
            _ => ascii(c).unwrap_or('?'),
        })
        .collect();
    if hijri {
        s.push_str("هـ");
    }
    s
}

/// What kind of number a value is: a date that passes its checks, digit
/// groups joined by `/` or `-`, or a plain number.
pub fn kind_of(value: &str) -> NumberKind {
    if date_ok(value).is_some() {
        NumberKind::Date
    } else if value.contains(['/', '-']) {
        NumberKind::Reference
    } else {
        NumberKind::Number
    }
}

fn looks_like_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split(['/', '-', '.']).collect();
    parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 4)
        && (parts[0].len() == 4 || parts[2].len() == 4)
}

/// (year, month, day) when `value` is a date that passes its checks: a year
/// of 1300–1600 (Hijri) or 1900–2100, month 1–12, day 1–30 in a Hijri year
/// and 1–31 otherwise.
pub fn date_ok(value: &str) -> Option<(u32, u32, u32)> {
    if !looks_like_date(value) {
        return None;
    }
    let parts: Vec<u32> = value
        .split(['/', '-', '.'])
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (y, m, d) = if value.split(['/', '-', '.']).next()?.len() == 4 {
        (parts[0], parts[1], parts[2])
    } else {
        (parts[2], parts[1], parts[0])
    };
    let hijri = (1300..=1600).contains(&y);
    let ok = (hijri || (1900..=2100).contains(&y))
        && (1..=12).contains(&m)
        && (1..=if hijri { 30 } else { 31 }).contains(&d);
    ok.then_some((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_table() {
        assert_eq!(class_of('٤'), Some(14));
        assert_eq!(class_of('۴'), Some(20));
        assert_eq!(class_of('۷'), class_of('٧'));
        assert_eq!(class_of('#'), Some(REJECT));
        assert_eq!(CLASSES[HIJRI], 'ه');
        for (c, k) in CLASSES.iter().enumerate() {
            assert_eq!(is_digit_class(c), k.is_numeric(), "{k}");
        }
    }

    /// Left-to-right classes (as label characters), flip, logical value.
    const ORDERS: &[(&str, bool, &str)] = &[
        ("٤٤٥١٢٣٤", false, "4451234"),
        ("٥٥٢-١٤٤٥", true, "1445-552"),
        ("552-1445", true, "1445-552"),
        ("1445-552", false, "1445-552"),
        ("ه١٤٤٥/٠٣/١٢", true, "1445/03/12"),
        ("١٢/٠٣/١٤٤٥", true, "12/03/1445"),
    ];

    #[test]
    fn reading_order() {
        for (visual, flip, want) in ORDERS {
            let classes: Vec<usize> = visual.chars().map(|c| class_of(c).unwrap()).collect();
            let l = logical(&classes, *flip).unwrap();
            assert_eq!(l.value, *want, "{visual}");
        }
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(date_ok("1445/03/12"), Some((1445, 3, 12)));
        assert_eq!(date_ok("12/03/1445"), Some((1445, 3, 12)));
        assert_eq!(date_ok("1445/13/12"), None);
        assert_eq!(date_ok("1445/03/31"), None);
        assert_eq!(date_ok("2024/03/31"), Some((2024, 3, 31)));
        assert_eq!(date_ok("4451234"), None);
        assert_eq!(date_ok("1440/02/12"), Some((1440, 2, 12)));
    }

    #[test]
    fn the_shipped_model_loads() {
        let m = Model::shipped();
        let p = m.classify(&[0.0; SIDE * SIDE]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }
}
