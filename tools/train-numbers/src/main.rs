//! Trains arshif's number reader (`make train-numbers`).
//!
//!     train-numbers TRAIN_DIR EVAL_DIR HELDOUT_DIR OUT.bin [EPOCHS]
//!
//! Each directory holds lines rendered by `samples/numbers/render_lines.py`.
//! Samples are cut from the training lines with arshif's own segmentation
//! (`arshif::ocr::digits`), so the network learns exactly the pieces it will
//! be shown when reading; a line whose pieces do not match its glyphs one for
//! one (touching digits) gives no samples. The network is trained with candle
//! (AdamW, cross-entropy), then written in the reader's format and measured
//! through the reader itself (`digits::read`) on the evaluation and held-out
//! lines: exact values, by condition, digit system and font split.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arshif::ocr::digits::{self, LineContext, Model, CLASSES, N_CLASSES, REJECT, SIDE};
use candle_core::{DType, Device, Tensor, D};
use candle_nn::{Module, Optimizer, VarBuilder, VarMap};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// Samples per training step.
const BATCH: usize = 256;

struct Line {
    file: PathBuf,
    kind: String,
    logical: String,
    labels: String,
    arabic_before: bool,
    font: String,
    condition: String,
}

fn lines(dir: &Path) -> Vec<Line> {
    let tsv = std::fs::read_to_string(dir.join("lines.tsv"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join("lines.tsv").display()));
    tsv.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Line {
                file: dir.join(f[0]),
                kind: f[1].into(),
                logical: f[2].into(),
                labels: f[3].into(),
                arabic_before: f[4] == "ar",
                font: f[5].into(),
                condition: f[7].into(),
            }
        })
        .collect()
}

fn load(path: &Path) -> image::GrayImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_luma8()
}

/// Samples as bytes (ink 0–255) with their class.
struct Samples {
    x: Vec<u8>,
    y: Vec<u32>,
}

impl Samples {
    fn push(&mut self, s: &[f32; SIDE * SIDE], class: usize) {
        self.x
            .extend(s.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8));
        self.y.push(class as u32);
    }
    fn len(&self) -> usize {
        self.y.len()
    }
}

fn cut_samples(lines: &[Line], rng: &mut impl Rng) -> (Samples, usize) {
    let mut out = Samples {
        x: Vec::new(),
        y: Vec::new(),
    };
    let mut skipped = 0;
    for line in lines {
        let img = load(&line.file);
        let seg = digits::segment(&img, (0, img.height()));
        if seg.pieces.is_empty() {
            skipped += 1;
            continue;
        }
        // half the samples drawn with the line measured a little wrong, as
        // a crop with letters in it measures it
        let jitters = |rng: &mut dyn rand::RngCore| {
            if rng.random_bool(0.5) {
                [(rng.random_range(0.8..1.25), rng.random_range(-0.12..0.12))]
            } else {
                [(1.0, 0.0)]
            }
        };
        if line.kind == "reject" {
            for p in &seg.pieces {
                // a lone upright stroke (alef, lam) is drawn like ١ and 1:
                // it is never taught as "not a number"
                if p.height() >= 3 * p.width() {
                    continue;
                }
                for j in jitters(rng) {
                    out.push(&digits::sample(&seg, p, j), REJECT);
                }
            }
            continue;
        }
        let want: Vec<usize> = line
            .labels
            .chars()
            .map(|c| digits::class_of(c).unwrap_or_else(|| panic!("label {c:?}")))
            .collect();
        let mut pieces = seg.pieces.clone();
        // specks (noise) beyond the glyphs: the smallest pieces, if small
        let speck = (seg.line_height * seg.line_height * 0.04) as u32;
        let mut specks = Vec::new();
        while pieces.len() > want.len() {
            let (i, p) = pieces
                .iter()
                .enumerate()
                .min_by_key(|(_, p)| p.area)
                .expect("not empty");
            if p.area > speck.max(6) {
                break;
            }
            specks.push(pieces.remove(i));
        }
        if pieces.len() != want.len() {
            skipped += 1;
            continue;
        }
        for (p, &class) in pieces.iter().zip(&want) {
            for j in jitters(rng) {
                out.push(&digits::sample(&seg, p, j), class);
            }
        }
        for p in &specks {
            out.push(&digits::sample(&seg, p, (1.0, 0.0)), REJECT);
        }
    }
    (out, skipped)
}

/// The reader's network in candle. The 3×3 convolutions are written as nine
/// shifted copies of the input and one matrix product (candle's own conv2d
/// is many times slower to train on a CPU); weights keep conv2d's layout,
/// `[out][in][3][3]`, which is what the reader reads.
struct Net {
    convs: Vec<(Var, Var)>,
    dense: candle_nn::Linear,
    out: candle_nn::Linear,
}

use candle_core::Var;

impl Net {
    fn new(varmap: &VarMap, vb: VarBuilder) -> candle_core::Result<Net> {
        let [a, b, c, d] = digits::ARCH;
        let flat = c * (SIDE / 8) * (SIDE / 8);
        let mut convs = Vec::new();
        for (name, cin, cout) in [("conv1", 1, a), ("conv2", a, b), ("conv3", b, c)] {
            let bound = 1.0 / ((cin * 9) as f64).sqrt();
            let w = vb.pp(name).get_with_hints(
                (cout, cin, 3, 3),
                "weight",
                candle_nn::Init::Uniform {
                    lo: -bound,
                    up: bound,
                },
            )?;
            let bias = vb.pp(name).get_with_hints(
                cout,
                "bias",
                candle_nn::Init::Uniform {
                    lo: -bound,
                    up: bound,
                },
            )?;
            let data = varmap.data().lock().expect("varmap lock");
            let wv = data[&format!("{name}.weight")].clone();
            let bv = data[&format!("{name}.bias")].clone();
            drop(data);
            let _ = (w, bias);
            convs.push((wv, bv));
        }
        Ok(Net {
            convs,
            dense: candle_nn::linear(flat, d, vb.pp("dense"))?,
            out: candle_nn::linear(d, N_CLASSES, vb.pp("out"))?,
        })
    }

    fn conv(x: &Tensor, w: &Var, b: &Var) -> candle_core::Result<Tensor> {
        let (n, cin, h, wd) = x.dims4()?;
        let cout = w.dims()[0];
        let padded = x.pad_with_zeros(2, 1, 1)?.pad_with_zeros(3, 1, 1)?;
        let mut shifted = Vec::with_capacity(9);
        for ky in 0..3 {
            for kx in 0..3 {
                shifted.push(padded.narrow(2, ky, h)?.narrow(3, kx, wd)?);
            }
        }
        // (n, cin, 9, h, w) → (cin·9, n·h·w): row c·9 + ky·3 + kx, so that
        // the convolution is one matrix product for the whole batch
        let patches = Tensor::stack(&shifted, 2)?
            .reshape((n, cin * 9, h * wd))?
            .transpose(0, 1)?
            .contiguous()?
            .reshape((cin * 9, n * h * wd))?;
        let w2 = w.as_tensor().reshape((cout, cin * 9))?;
        let y = w2.matmul(&patches)?;
        let y = y.broadcast_add(&b.as_tensor().reshape((cout, 1))?)?;
        y.reshape((cout, n, h, wd))?.transpose(0, 1)?.contiguous()
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut x = x.clone();
        for (w, b) in &self.convs {
            x = Self::conv(&x, w, b)?.max_pool2d(2)?.relu()?;
        }
        let x = x.flatten_from(1)?;
        let x = self.dense.forward(&x)?.relu()?;
        self.out.forward(&x)
    }
}

fn batch(s: &Samples, idx: &[usize], dev: &Device) -> candle_core::Result<(Tensor, Tensor)> {
    let mut x = Vec::with_capacity(idx.len() * SIDE * SIDE);
    let mut y = Vec::with_capacity(idx.len());
    for &i in idx {
        x.extend(
            s.x[i * SIDE * SIDE..(i + 1) * SIDE * SIDE]
                .iter()
                .map(|&v| v as f32 / 255.0),
        );
        y.push(s.y[i]);
    }
    Ok((
        Tensor::from_vec(x, (idx.len(), 1, SIDE, SIDE), dev)?,
        Tensor::from_vec(y, idx.len(), dev)?,
    ))
}

/// Set the network's variables from weights in the reader's format.
fn warm_start(varmap: &VarMap, bytes: &[u8], dev: &Device) -> candle_core::Result<()> {
    Model::from_bytes(bytes).expect("a number reader's weights");
    let mut body = &bytes[digits::MAGIC.len()..];
    let data = varmap.data().lock().expect("varmap lock");
    for (name, shape) in digits::tensor_shapes() {
        let n: usize = shape.iter().product();
        let values: Vec<f32> = body[..n * 4]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        body = &body[n * 4..];
        let var = data
            .get(&name)
            .unwrap_or_else(|| panic!("no tensor {name}"));
        var.set(&Tensor::from_vec(values, shape.as_slice(), dev)?)?;
    }
    Ok(())
}

fn weights(varmap: &VarMap) -> Vec<Vec<f32>> {
    let data = varmap.data().lock().expect("varmap lock");
    digits::tensor_shapes()
        .iter()
        .map(|(name, shape)| {
            let t = data
                .get(name)
                .unwrap_or_else(|| panic!("no tensor {name}"))
                .as_tensor()
                .clone();
            assert_eq!(t.dims(), shape.as_slice(), "{name}");
            t.flatten_all()
                .and_then(|t| t.to_vec1::<f32>())
                .expect("f32 weights")
        })
        .collect()
}

/// The value a line's number must be read as: ASCII digits, separators as
/// printed, without the Hijri mark or a label's colon.
fn expected(logical: &str) -> String {
    logical
        .trim_start_matches(':')
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '\u{0660}'..='\u{0669}' => char::from_u32(c as u32 - 0x0660 + '0' as u32),
            '\u{06F0}'..='\u{06F9}' => char::from_u32(c as u32 - 0x06F0 + '0' as u32),
            '/' | '-' | '.' | ':' => Some(c),
            '،' => Some(','),
            _ => None,
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    right: usize,
    total: usize,
}

fn evaluate(model: &Model, name: &str, lines: &[Line]) -> f32 {
    let mut by: BTreeMap<String, Tally> = BTreeMap::new();
    let mut rejected = Tally::default();
    let mut wrong = Vec::new();
    for line in lines {
        let img = load(&line.file);
        let ctx = LineContext {
            arabic_before: line.arabic_before,
        };
        let read = digits::read(model, &img, (0, img.height()), ctx);
        if line.kind == "reject" {
            rejected.total += 1;
            rejected.right += read.is_empty() as usize;
            continue;
        }
        let want = expected(&line.logical);
        let got = read.first().map(|r| r.value.clone()).unwrap_or_default();
        let ok = read.len() == 1 && got == want;
        let system = if line.logical.chars().any(|c| c.is_ascii_digit()) {
            "western"
        } else {
            "arabic-indic"
        };
        for key in [
            "all".to_string(),
            format!("condition {}", line.condition),
            format!("digits {system}"),
        ] {
            let t = by.entry(key).or_default();
            t.total += 1;
            t.right += ok as usize;
        }
        if !ok && wrong.len() < 25 {
            let all: Vec<String> = read.iter().map(|r| r.value.clone()).collect();
            wrong.push(format!(
                "{} {} want {want} got {all:?} ({}, {})",
                line.file.display(),
                line.logical,
                line.font,
                line.condition
            ));
        }
    }
    println!("== {name}");
    for (k, t) in &by {
        println!(
            "  {k:<24} {:>6}/{:<6} {:.4}",
            t.right,
            t.total,
            t.right as f32 / t.total.max(1) as f32
        );
    }
    println!(
        "  {:<24} {:>6}/{:<6} (words read as no number)",
        "not numbers", rejected.right, rejected.total
    );
    for w in &wrong {
        println!("    miss: {w}");
    }
    let all = &by["all"];
    all.right as f32 / all.total.max(1) as f32
}

fn main() -> candle_core::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: train-numbers TRAIN_DIR EVAL_DIR HELDOUT_DIR OUT.bin [EPOCHS]");
        std::process::exit(2);
    }
    let (train_dir, eval_dir, held_dir) = (
        PathBuf::from(&args[1]),
        PathBuf::from(&args[2]),
        PathBuf::from(&args[3]),
    );
    let out = PathBuf::from(&args[4]);
    let epochs: usize = args.get(5).and_then(|e| e.parse().ok()).unwrap_or(8);
    let mut rng = rand::rngs::StdRng::seed_from_u64(1445);
    if let Ok(model) = std::env::var("EVALUATE_ONLY") {
        // measure a model already written, without training
        let bytes = std::fs::read(&model).unwrap_or_else(|e| panic!("{model}: {e}"));
        let model = Model::from_bytes(&bytes).expect("a number reader's weights");
        let seen = evaluate(&model, "seen fonts (evaluation lines)", &lines(&eval_dir));
        let held = evaluate(&model, "held-out font families", &lines(&held_dir));
        println!("exact: seen fonts {seen:.4}, held-out fonts {held:.4}");
        return Ok(());
    }

    let train = lines(&train_dir);
    let t0 = std::time::Instant::now();
    let (samples, skipped) = cut_samples(&train, &mut rng);
    let mut per_class = [0usize; N_CLASSES];
    samples.y.iter().for_each(|&c| per_class[c as usize] += 1);
    println!(
        "{} samples from {} lines ({} lines skipped: pieces did not match glyphs) in {:.0?}",
        samples.len(),
        train.len(),
        skipped,
        t0.elapsed()
    );
    println!(
        "per class: {}",
        CLASSES
            .iter()
            .zip(per_class)
            .map(|(c, n)| format!("{c}:{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    );

    if let Ok(n) = std::env::var("DUMP_SAMPLES") {
        // a look at what the network is shown: a grid of samples and their classes
        let n: usize = n.parse().unwrap_or(256).min(samples.len());
        let cols = 16;
        let rows = n.div_ceil(cols);
        let mut grid =
            image::GrayImage::new((cols * (SIDE + 2)) as u32, (rows * (SIDE + 2)) as u32);
        let step = samples.len() / n;
        let mut labels = String::new();
        for k in 0..n {
            let i = k * step;
            let (gx, gy) = ((k % cols) * (SIDE + 2), (k / cols) * (SIDE + 2));
            for v in 0..SIDE {
                for u in 0..SIDE {
                    let ink = samples.x[i * SIDE * SIDE + v * SIDE + u];
                    grid.put_pixel((gx + u) as u32, (gy + v) as u32, image::Luma([255 - ink]));
                }
            }
            labels.push(CLASSES[samples.y[i] as usize]);
            if k % cols == cols - 1 {
                labels.push('\n');
            }
        }
        grid.save("target/numbers/samples.png")
            .expect("write samples.png");
        println!("{labels}");
        return Ok(());
    }
    let dev = Device::Cpu;
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &dev);
    let net = Net::new(&varmap, vb)?;
    if let Ok(init) = std::env::var("INIT") {
        // go on from weights already trained (a warm start)
        let bytes = std::fs::read(&init).unwrap_or_else(|e| panic!("{init}: {e}"));
        warm_start(&varmap, &bytes, &dev)?;
        println!("starting from {init}");
    }
    // the peak learning rate of the cosine schedule (lower for a warm start)
    let peak: f64 = std::env::var("LR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2e-3);
    let steps_per_epoch = samples.len().div_ceil(BATCH);
    let mut opt = candle_nn::AdamW::new(
        varmap.all_vars(),
        candle_nn::ParamsAdamW {
            lr: 2e-3,
            weight_decay: 1e-4,
            ..Default::default()
        },
    )?;
    let mut order: Vec<usize> = (0..samples.len()).collect();
    for epoch in 0..epochs {
        let t0 = std::time::Instant::now();
        // cosine decay of the learning rate over the run
        let frac = epoch as f64 / epochs as f64;
        opt.set_learning_rate(peak * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos()) + 5e-5);
        order.shuffle(&mut rng);
        let (mut loss_sum, mut right, mut seen) = (0f64, 0usize, 0usize);
        for chunk in order.chunks(BATCH) {
            let (x, y) = batch(&samples, chunk, &dev)?;
            let logits = net.forward(&x)?;
            let loss = candle_nn::loss::cross_entropy(&logits, &y)?;
            opt.backward_step(&loss)?;
            loss_sum += loss.to_scalar::<f32>()? as f64;
            let pred = logits.argmax(D::Minus1)?.to_vec1::<u32>()?;
            let truth = y.to_vec1::<u32>()?;
            right += pred.iter().zip(&truth).filter(|(a, b)| a == b).count();
            seen += chunk.len();
            if seen % (BATCH * 200) == 0 {
                eprintln!(
                    "  {seen} samples, loss {:.4}, {:.0?}",
                    loss_sum / (seen / BATCH) as f64,
                    t0.elapsed()
                );
            }
        }
        // the weights so far, in case the run is cut short
        std::fs::write(&out, Model::to_bytes(&weights(&varmap)))
            .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
        println!(
            "epoch {}: loss {:.4}, train accuracy {:.4}, {:.0?}",
            epoch + 1,
            loss_sum / steps_per_epoch as f64,
            right as f64 / seen as f64,
            t0.elapsed()
        );
    }
    let tensors = weights(&varmap);
    let bytes = Model::to_bytes(&tensors);
    let model = Model::from_bytes(&bytes).expect("just written");
    // the reader's own forward pass must agree with candle's
    let check: Vec<usize> = (0..samples.len()).step_by(samples.len() / 50 + 1).collect();
    let (x, _) = batch(&samples, &check, &dev)?;
    let theirs = candle_nn::ops::softmax(&net.forward(&x)?, D::Minus1)?.to_vec2::<f32>()?;
    for (k, &i) in check.iter().enumerate() {
        let mut s = [0f32; SIDE * SIDE];
        for (o, v) in s
            .iter_mut()
            .zip(&samples.x[i * SIDE * SIDE..(i + 1) * SIDE * SIDE])
        {
            *o = *v as f32 / 255.0;
        }
        let ours = model.classify(&s);
        for (a, b) in ours.iter().zip(&theirs[k]) {
            assert!((a - b).abs() < 1e-3, "reader and candle disagree: {a} {b}");
        }
    }
    std::fs::write(&out, &bytes).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    println!("wrote {} ({} bytes)", out.display(), bytes.len());
    let seen = evaluate(&model, "seen fonts (evaluation lines)", &lines(&eval_dir));
    let held = evaluate(&model, "held-out font families", &lines(&held_dir));
    println!("exact: seen fonts {seen:.4}, held-out fonts {held:.4}");
    Ok(())
}
