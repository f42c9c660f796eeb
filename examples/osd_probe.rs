//! Orientation detection under several settings (development aid): every
//! page given is turned each quarter turn, and Tesseract's OSD is asked for
//! its turn and script under each setting. Prints, per setting, the time,
//! how many turns it got right, wrong or had no answer for, and how often
//! it named the expected script (`ARSHIF_PROBE_TSV`: the evaluation
//! corpus's documents.tsv, for each file's language).
//!
//! `ARSHIF_PROBE_SETTINGS` lists the settings, comma-separated, each
//! `MIN_CHARACTERS:FACTOR[:BAND]`: OSD's `min_characters_to_try`, the
//! reduction of the page, and (BAND = n) OSD shown only the inkiest 1/n of
//! the page along its text lines, as `OcrEngine` does (`prep::line_axis`
//! first). Each page line of stderr gives the rows/columns profile ratio and,
//! per setting, the seconds inside OSD / in all, and the turn and script.
use arshif::extract::{PageContent, PageImage};
use arshif::ocr::prep;
use tesseract_rs::{TessPageSegMode, TesseractAPI};

struct Tally {
    name: String,
    seconds: f64,
    right: u32,
    wrong: u32,
    none: u32,
    script_right: u32,
    script_asked: u32,
}

fn main() {
    arshif::ocr::ensure_omp_thread_limit();
    // min_characters:factor[:band], band = n: only the inkiest 1/n of the
    // page along its text lines (found by prep::line_axis) is shown to OSD.
    let settings: Vec<(String, String, u32, u32)> = std::env::var("ARSHIF_PROBE_SETTINGS")
        .unwrap_or("30:2".into())
        .split(',')
        .map(|s| {
            let mut f = s.split(':');
            let m = f.next().unwrap();
            let factor = f.next().unwrap().parse().unwrap();
            let band = f.next().map(|b| b.parse().unwrap()).unwrap_or(0);
            (s.to_string(), m.to_string(), factor, band)
        })
        .collect();
    let apis: Vec<TesseractAPI> = settings
        .iter()
        .map(|(_, m, _, _)| {
            let api = TesseractAPI::new();
            api.init(arshif::ocr::DEBIAN_TESSDATA, "osd").unwrap();
            let _ = api.set_variable("min_characters_to_try", m);
            api.set_page_seg_mode(TessPageSegMode::PSM_OSD_ONLY)
                .unwrap();
            api
        })
        .collect();
    let mut tallies: Vec<Tally> = settings
        .iter()
        .map(|(n, _, _, _)| Tally {
            name: n.clone(),
            seconds: 0.0,
            right: 0,
            wrong: 0,
            none: 0,
            script_right: 0,
            script_asked: 0,
        })
        .collect();
    let languages: std::collections::HashMap<String, String> = std::env::var("ARSHIF_PROBE_TSV")
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let file = f.next()?;
            f.next();
            let lang = f.next()?;
            let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
            Some((stem.to_string(), lang.to_string()))
        })
        .collect();
    for p in std::env::args().skip(1) {
        let path = std::path::Path::new(&p);
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let head = arshif::extract::read_head(path).unwrap();
        let f = arshif::extract::sniff(&head).unwrap();
        let mut pages: Vec<PageImage> = vec![];
        arshif::extract::extract_pages(path, f, &Default::default(), &mut |_, c| {
            if let PageContent::Image(i) = c {
                pages.push(i)
            }
            true
        })
        .unwrap();
        for page in pages {
            let prep::Cleaned {
                image: img,
                info: prepared,
                ..
            } = prep::prepare(&page.image, page.dpi);
            let dpi = prepared
                .dpi
                .map(|d| (d as f32 * prepared.scale).round() as u32)
                .unwrap_or(300);
            for turn in [0u16, 90, 180, 270] {
                let turned = prep::rotate_quarter(&img, turn);
                let want = (360 - turn) % 360;
                let mut line = format!("{p}\t{turn}");
                let ratio = prep::line_profile_ratio(&turned, 5.0).unwrap_or(0.0);
                line += &format!("\tratio {ratio:.2}");
                for (i, (_, _, factor, band)) in settings.iter().enumerate() {
                    let t0 = std::time::Instant::now();
                    let (shown, pre) = if *band > 0 {
                        let (along, pre) = match prep::line_axis(&turned, 5.0, 1.2) {
                            prep::LineAxis::Down => (prep::rotate_quarter(&turned, 90), 90),
                            _ => (turned.clone(), 0),
                        };
                        let (w, h) = along.dimensions();
                        let bh = h / band;
                        let top = prep::inkiest_band(&along, bh);
                        (
                            image::imageops::crop_imm(&along, 0, top, w, bh).to_image(),
                            pre,
                        )
                    } else {
                        (turned.clone(), 0)
                    };
                    let (small, d) = if *factor > 1 && dpi >= 150 * factor {
                        (prep::box_downsample(&shown, *factor), dpi / factor)
                    } else {
                        (shown, dpi)
                    };
                    let api = &apis[i];
                    let (w, h) = small.dimensions();
                    api.set_image(small.as_raw(), w as i32, h as i32, 1, w as i32)
                        .unwrap();
                    let _ = api.set_source_resolution(d as i32);
                    let t1 = std::time::Instant::now();
                    let r = api.detect_os();
                    let osd_only = t1.elapsed().as_secs_f64();
                    line += &format!("\t{osd_only:.3}/{:.3}", t0.elapsed().as_secs_f64());
                    let t = &mut tallies[i];
                    t.seconds += t0.elapsed().as_secs_f64();
                    let _ = api.clear();
                    match r {
                        Ok((deg, _conf, script, _sc)) => {
                            let got = ((360 - deg.rem_euclid(360) + pre) % 360) as u16;
                            if got == want {
                                t.right += 1
                            } else {
                                t.wrong += 1
                            }
                            if let Some(l) = languages.get(&stem) {
                                t.script_asked += 1;
                                let latin = script == "Latin";
                                if latin == (l == "en") {
                                    t.script_right += 1;
                                }
                            }
                            line += &format!("\t{got} {script}");
                        }
                        Err(_) => {
                            t.none += 1;
                            line += "\tnone";
                        }
                    }
                }
                eprintln!("{line}");
            }
        }
    }
    for t in tallies {
        println!(
            "{}: {:.2} s, turn right {} wrong {} none {}, script right {}/{}",
            t.name, t.seconds, t.right, t.wrong, t.none, t.script_right, t.script_asked
        );
    }
}
