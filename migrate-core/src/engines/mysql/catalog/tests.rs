//! Tests of what needs no server: reading `SHOW CREATE TABLE`, the
//! statements built from it, and the description of a lock's holder.

use super::create_table::*;
use super::*;

const DDL: &str = "CREATE TABLE `t` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `a b` varchar(20) NOT NULL DEFAULT 'x''y,(' COMMENT 'c`d',
  `c` int(11) DEFAULT NULL,
  `d` int(11) DEFAULT NULL,
  `e``f` text DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `cd` (`c`,`d`),
  KEY `c_idx` (`c`),
  KEY `pre` (`e``f`(10),`d` DESC) USING BTREE COMMENT 'x,y',
  KEY `fn` ((`d` + 1)),
  FULLTEXT KEY `ft` (`a b`),
  CONSTRAINT `chk` CHECK (`d` > 0 and `c` <> '`x`'),
  CONSTRAINT `fk` FOREIGN KEY (`c`) REFERENCES `p` (`d`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci";

fn key(name: &str, primary: bool, columns: &[&str], expressions: bool, def: &str) -> Part {
    Part::Key {
        name: name.into(),
        primary,
        columns: columns.iter().map(|c| c.to_string()).collect(),
        expressions,
        definition: def.into(),
    }
}

#[test]
fn reads_every_line_of_show_create_table() {
    let parts = parse_create_table(DDL);
    assert_eq!(parts.len(), 13, "{parts:#?}");
    assert_eq!(
        parts[1],
        Part::Column {
            name: "a b".into(),
            definition: "`a b` varchar(20) NOT NULL DEFAULT 'x''y,(' COMMENT 'c`d'".into()
        }
    );
    assert_eq!(
        parts[4],
        Part::Column {
            name: "e`f".into(),
            definition: "`e``f` text DEFAULT NULL".into()
        }
    );
    assert_eq!(
        parts[5],
        key("PRIMARY", true, &["id"], false, "PRIMARY KEY (`id`)")
    );
    assert_eq!(
        parts[6],
        key("cd", false, &["c", "d"], false, "UNIQUE KEY `cd` (`c`,`d`)")
    );
    assert_eq!(
        parts[8],
        key(
            "pre",
            false,
            &["e`f", "d"],
            false,
            "KEY `pre` (`e``f`(10),`d` DESC) USING BTREE COMMENT 'x,y'"
        )
    );
    assert_eq!(
        parts[9],
        key("fn", false, &[], true, "KEY `fn` ((`d` + 1))")
    );
    assert_eq!(
        parts[10],
        key("ft", false, &["a b"], false, "FULLTEXT KEY `ft` (`a b`)")
    );
    assert_eq!(
        parts[11],
        Part::Constraint {
            name: "chk".into(),
            columns: vec!["d".into(), "c".into()],
            definition: "CONSTRAINT `chk` CHECK (`d` > 0 and `c` <> '`x`')".into()
        }
    );
    assert_eq!(
        parts[12],
        Part::Constraint {
            name: "fk".into(),
            columns: vec!["c".into()],
            definition: "CONSTRAINT `fk` FOREIGN KEY (`c`) REFERENCES `p` (`d`) ON DELETE CASCADE"
                .into()
        }
    );
}

#[test]
fn ansi_quotes_are_understood() {
    let parts = parse_create_table(
        "CREATE TABLE \"t\" (\n  \"a\"\"b\" int DEFAULT NULL,\n  KEY \"k\" (\"a\"\"b\")\n)",
    );
    assert_eq!(
        parts,
        vec![
            Part::Column {
                name: "a\"b".into(),
                definition: "\"a\"\"b\" int DEFAULT NULL".into()
            },
            key("k", false, &["a\"b"], false, "KEY \"k\" (\"a\"\"b\")"),
        ]
    );
}

#[test]
fn a_dropped_column_comes_back_in_place_with_its_keys() {
    let parts = parse_create_table(DDL);
    assert_eq!(
        readd_column("t", "C", DDL, &parts).unwrap(),
        "ALTER TABLE `t` ADD COLUMN `c` int(11) DEFAULT NULL AFTER `a b`, \
         DROP INDEX `cd`, ADD UNIQUE KEY `cd` (`c`,`d`), ADD KEY `c_idx` (`c`), \
         ADD CONSTRAINT `chk` CHECK (`d` > 0 and `c` <> '`x`'), \
         ADD CONSTRAINT `fk` FOREIGN KEY (`c`) REFERENCES `p` (`d`) ON DELETE CASCADE"
    );
    assert_eq!(
        readd_column("t", "id", DDL, &parts).unwrap(),
        "ALTER TABLE `t` ADD COLUMN `id` int(11) NOT NULL AUTO_INCREMENT FIRST, \
         ADD PRIMARY KEY (`id`)"
    );
    let counted = DDL.replace(") ENGINE=InnoDB ", ") ENGINE=InnoDB AUTO_INCREMENT=42 ");
    assert_eq!(auto_increment(&counted), Some(42));
    assert_eq!(auto_increment(DDL), None);
    assert_eq!(
        readd_column("t", "id", &counted, &parts).unwrap(),
        "ALTER TABLE `t` ADD COLUMN `id` int(11) NOT NULL AUTO_INCREMENT FIRST, \
         ADD PRIMARY KEY (`id`), AUTO_INCREMENT = 42"
    );
    assert_eq!(readd_column("t", "nope", DDL, &parts), None);
    assert!(in_unique_key("id", &parts));
    assert!(in_unique_key("d", &parts));
    assert!(!in_unique_key("a b", &parts));
}

#[test]
fn a_changed_column_gets_its_name_definition_and_place_back() {
    let parts = parse_create_table(DDL);
    assert_eq!(
        rechange_column("t", "d", "dd", &parts).unwrap(),
        "ALTER TABLE `t` CHANGE COLUMN `dd` `d` int(11) DEFAULT NULL AFTER `c`"
    );
    assert_eq!(
        rechange_column("t", "id", "id", &parts).unwrap(),
        "ALTER TABLE `t` CHANGE COLUMN `id` `id` int(11) NOT NULL AUTO_INCREMENT FIRST"
    );
}

#[test]
fn a_dropped_index_is_added_back_from_its_line() {
    let parts = parse_create_table(DDL);
    assert_eq!(
        readd_index("t", "FT", &parts).unwrap(),
        "ALTER TABLE `t` ADD FULLTEXT KEY `ft` (`a b`)"
    );
    assert_eq!(
        readd_index("t", "PRIMARY", &parts).unwrap(),
        "ALTER TABLE `t` ADD PRIMARY KEY (`id`)"
    );
    assert_eq!(readd_index("t", "chk", &parts), None);
}

#[test]
fn splitting_respects_quotes_and_parentheses() {
    assert_eq!(
        split_top_level("`a,b`,(1,2),'x,''y',c"),
        vec!["`a,b`", "(1,2)", "'x,''y'", "c"]
    );
    assert_eq!(parenthesized(" (`a)` , (b)) tail"), Some("`a)` , (b)"));
    assert_eq!(identifiers("`a` + 'b`c`' + \"d\""), vec!["a", "d"]);
}

#[test]
fn describes_the_holder() {
    assert_eq!(describe(7, None), "connection 7");
    assert_eq!(
        describe(
            7,
            Some((
                Some("app".into()),
                Some("10.0.0.5:51234".into()),
                Some("Sleep".into()),
                Some(12)
            ))
        ),
        "connection 7 of app@10.0.0.5:51234, idle for 12s"
    );
    assert_eq!(
        describe(
            7,
            Some((Some("app".into()), None, Some("Query".into()), Some(3)))
        ),
        "connection 7 of app, busy (Query) for 3s"
    );
}
