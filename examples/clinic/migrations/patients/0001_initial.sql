-- migrate:up
CREATE TABLE patients_patient (
    id INTEGER PRIMARY KEY,
    first_name VARCHAR(100) NOT NULL,
    last_name VARCHAR(100) NOT NULL
);

-- migrate:down
DROP TABLE patients_patient;
