-- migrate:up
CREATE TABLE patients_visit (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients_patient (id),
    visited_on DATE NOT NULL,
    notes TEXT
);
CREATE INDEX patients_visit_patient ON patients_visit (patient_id, visited_on);

-- migrate:down
-- The index goes with its table.
DROP TABLE patients_visit;
