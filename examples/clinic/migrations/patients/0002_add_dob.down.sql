ALTER TABLE patients_patient DROP COLUMN date_of_birth;
