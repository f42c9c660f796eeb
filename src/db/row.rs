//! Reading a row's columns the same way from either database, so that a
//! row is turned into a value once for both (`Columns`): integers of any
//! width, floats, text, flags and times (`timestamptz` in PostgreSQL, RFC
//! 3339 text in SQLite, see [`Stamp`]).

use chrono::{DateTime, Utc};
use postgres::types::Type;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

/// A row's columns, by position.
pub trait Columns {
    type Error;
    fn int(&self, i: usize) -> Result<i64, Self::Error>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Self::Error>;
    fn real(&self, i: usize) -> Result<f64, Self::Error>;
    fn text(&self, i: usize) -> Result<String, Self::Error>;
    fn opt_text(&self, i: usize) -> Result<Option<String>, Self::Error>;
    fn flag(&self, i: usize) -> Result<bool, Self::Error>;
    fn time(&self, i: usize) -> Result<DateTime<Utc>, Self::Error>;
    fn opt_time(&self, i: usize) -> Result<Option<DateTime<Utc>>, Self::Error>;
}

/// A time stored as RFC 3339 text (SQLite), read.
pub struct Stamp(pub DateTime<Utc>);

/// A stored time that does not read as one (the error inside
/// `rusqlite::Error::FromSqlConversionFailure`).
#[derive(Debug)]
pub struct BadTime(pub String);

impl std::fmt::Display for BadTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadTime {}

impl FromSql for Stamp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        DateTime::parse_from_rfc3339(s)
            .map(|t| Stamp(t.with_timezone(&Utc)))
            .map_err(|e| FromSqlError::Other(Box::new(BadTime(format!("{s:?}: {e}")))))
    }
}

impl Columns for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn int(&self, i: usize) -> rusqlite::Result<i64> {
        self.get(i)
    }
    fn opt_int(&self, i: usize) -> rusqlite::Result<Option<i64>> {
        self.get(i)
    }
    fn real(&self, i: usize) -> rusqlite::Result<f64> {
        self.get(i)
    }
    fn text(&self, i: usize) -> rusqlite::Result<String> {
        self.get(i)
    }
    fn opt_text(&self, i: usize) -> rusqlite::Result<Option<String>> {
        self.get(i)
    }
    fn flag(&self, i: usize) -> rusqlite::Result<bool> {
        self.get(i)
    }
    fn time(&self, i: usize) -> rusqlite::Result<DateTime<Utc>> {
        self.get::<_, Stamp>(i).map(|s| s.0)
    }
    fn opt_time(&self, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
        Ok(self.get::<_, Option<Stamp>>(i)?.map(|s| s.0))
    }
}

impl Columns for postgres::Row {
    type Error = postgres::Error;
    fn int(&self, i: usize) -> Result<i64, postgres::Error> {
        match *self.columns()[i].type_() {
            Type::INT2 => Ok(self.try_get::<_, i16>(i)?.into()),
            Type::INT4 => Ok(self.try_get::<_, i32>(i)?.into()),
            _ => self.try_get(i),
        }
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, postgres::Error> {
        match *self.columns()[i].type_() {
            Type::INT2 => Ok(self.try_get::<_, Option<i16>>(i)?.map(i64::from)),
            Type::INT4 => Ok(self.try_get::<_, Option<i32>>(i)?.map(i64::from)),
            _ => self.try_get(i),
        }
    }
    fn real(&self, i: usize) -> Result<f64, postgres::Error> {
        match *self.columns()[i].type_() {
            Type::FLOAT4 => Ok(f64::from(self.try_get::<_, f32>(i)?)),
            _ => self.try_get(i),
        }
    }
    fn text(&self, i: usize) -> Result<String, postgres::Error> {
        self.try_get(i)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, postgres::Error> {
        self.try_get(i)
    }
    fn flag(&self, i: usize) -> Result<bool, postgres::Error> {
        self.try_get(i)
    }
    fn time(&self, i: usize) -> Result<DateTime<Utc>, postgres::Error> {
        self.try_get(i)
    }
    fn opt_time(&self, i: usize) -> Result<Option<DateTime<Utc>>, postgres::Error> {
        self.try_get(i)
    }
}
