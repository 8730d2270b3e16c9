ALTER TABLE patients_patient ADD COLUMN date_of_birth DATE;
